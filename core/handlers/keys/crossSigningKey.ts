/**
 * A cross-signing key as uploaded (`definitions/cross_signing_key.yaml`): it names its user, lists its usage,
 * and holds exactly one key, `ed25519:<public key>` → `<public key>`. Parsing checks the shape; signature
 * checks belong to the caller, which knows which key must have signed.
 */
import type { KeyObject } from 'node:crypto';
import { CanonicalJsonError, canonicalJson, type JsonObject, type JsonValue } from '../../crypto/canonicalJson.ts';
import { checkJsonSignature } from '../../crypto/jsonSigning.ts';
import type { CrossSigningKeyType } from '../../storage/databases/main/crossSigningKeysStore.ts';
import { MatrixError } from '../matrixError.ts';
import { parseEd25519PublicKey } from './publicKeys.ts';

export interface ParsedCrossSigningKey {
  readonly type: CrossSigningKeyType;
  /** `ed25519:<public key>`. */
  readonly keyId: string;
  readonly publicKey: string;
  readonly verifyKey: KeyObject;
  readonly key: JsonObject;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseCrossSigningKey(value: JsonValue, userId: string, type: CrossSigningKeyType, field: string): ParsedCrossSigningKey {
  if (!isObject(value)) throw MatrixError.badJson(`${field} must be an object`);
  if (value.user_id !== userId) throw MatrixError.invalidParam(`${field}.user_id must be ${userId}`);
  const usage = value.usage;
  if (!Array.isArray(usage) || !usage.every((u) => typeof u === 'string')) throw MatrixError.badJson(`${field}.usage must be an array of strings`);
  if (!usage.includes(type)) throw MatrixError.invalidParam(`${field}.usage must include ${type}`);
  const keys = value.keys;
  if (!isObject(keys)) throw MatrixError.badJson(`${field}.keys must be an object`);
  const entries = Object.entries(keys);
  if (entries.length !== 1) throw MatrixError.invalidParam(`${field}.keys must hold exactly one key`);
  const [keyId, publicKey] = entries[0]!;
  if (typeof publicKey !== 'string' || keyId !== `ed25519:${publicKey}`) throw MatrixError.invalidParam(`${field}.keys must be {"ed25519:<public key>": "<public key>"}`);
  const verifyKey = parseEd25519PublicKey(publicKey);
  if (verifyKey === null) throw MatrixError.invalidParam(`${field} is not a Base64 ed25519 public key`);
  if (value.signatures !== undefined && !isObject(value.signatures)) throw MatrixError.badJson(`${field}.signatures must be an object`);
  const { unsigned: _unsigned, ...key } = value;
  try {
    canonicalJson(key);
  } catch (e) {
    if (e instanceof CanonicalJsonError) throw MatrixError.badJson(`${field}: ${e.message}`);
    throw e;
  }
  return { type, keyId, publicKey, verifyKey, key };
}

/** The public key of a stored cross-signing key object (its single `ed25519:` key), or null. */
export function publicKeyOf(key: JsonObject): string | null {
  const keys = key.keys;
  if (!isObject(keys)) return null;
  const value = Object.values(keys)[0];
  return typeof value === 'string' ? value : null;
}

/** Throws 400 M_INVALID_SIGNATURE unless `object` carries a valid signature by `userId`'s key `keyId`. */
export function requireSignature(object: JsonObject, userId: string, keyId: string, verifyKey: KeyObject, what: string): void {
  const check = checkJsonSignature(object, userId, keyId, verifyKey);
  if (check.ok) return;
  const why = check.reason === 'missing' ? `is not signed by ${keyId}` : check.reason === 'malformed' ? 'has a malformed signature' : `has a signature by ${keyId} that does not verify`;
  throw new MatrixError(400, 'M_INVALID_SIGNATURE', `${what} ${why}`);
}
