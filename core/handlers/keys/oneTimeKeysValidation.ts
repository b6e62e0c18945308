/**
 * Checks uploaded one-time and fallback keys (`definitions/one_time_keys.yaml`): names are
 * `<algorithm>:<key_id>`; a key is a string (unsigned) or a key object `{key, signatures}` signed by the
 * device's own ed25519 key (`signed_curve25519` keys must be objects); curve25519 keys must be 32 bytes of
 * Base64. At most one fallback key per algorithm.
 */
import type { KeyObject } from 'node:crypto';
import { CanonicalJsonError, canonicalJson, type JsonObject, type JsonValue } from '../../crypto/canonicalJson.ts';
import { checkJsonSignature } from '../../crypto/jsonSigning.ts';
import type { StoredOneTimeKey } from '../../storage/databases/main/oneTimeKeysStore.ts';
import { MatrixError } from '../matrixError.ts';
import { isCurve25519Key } from './publicKeys.ts';

export const SIGNED_CURVE25519 = 'signed_curve25519';

/** Most keys one upload may carry (clients upload about 50 at a time). */
export const MAX_KEYS_PER_UPLOAD = 1000;

/** Whose keys these are: the uploader, its device and that device's signing key (null when it has none yet). */
export interface KeyOwner {
  readonly userId: string;
  readonly deviceId: string;
  readonly signingKey: KeyObject | null;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates the `one_time_keys` (or, with `fallback`, `fallback_keys`) object of an upload. */
export function validateOneTimeKeys(value: JsonValue, owner: KeyOwner, field: 'one_time_keys' | 'fallback_keys'): StoredOneTimeKey[] {
  if (!isObject(value)) throw MatrixError.badJson(`${field} must be an object`);
  const entries = Object.entries(value);
  if (entries.length > MAX_KEYS_PER_UPLOAD) throw MatrixError.invalidParam(`At most ${MAX_KEYS_PER_UPLOAD} keys per upload`);
  const result: StoredOneTimeKey[] = [];
  const algorithms = new Set<string>();
  for (const [fullId, key] of entries) {
    const colon = fullId.indexOf(':');
    if (colon < 1 || colon === fullId.length - 1) throw MatrixError.invalidParam(`${field}: key name ${fullId} must be <algorithm>:<key_id>`);
    const algorithm = fullId.slice(0, colon);
    const keyId = fullId.slice(colon + 1);
    if (field === 'fallback_keys') {
      if (algorithms.has(algorithm)) throw MatrixError.invalidParam(`fallback_keys: at most one key per algorithm (${algorithm})`);
      algorithms.add(algorithm);
    }
    checkKey(key, algorithm, `${field}.${fullId}`, owner);
    let json: string;
    try {
      json = canonicalJson(key);
    } catch (e) {
      if (e instanceof CanonicalJsonError) throw MatrixError.badJson(`${field}.${fullId}: ${e.message}`);
      throw e;
    }
    result.push({ algorithm, keyId, json });
  }
  return result;
}

function checkKey(key: JsonValue, algorithm: string, path: string, owner: KeyOwner): void {
  const curve25519 = algorithm === 'curve25519' || algorithm === SIGNED_CURVE25519;
  if (typeof key === 'string') {
    if (algorithm === SIGNED_CURVE25519) throw MatrixError.badJson(`${path}: a ${SIGNED_CURVE25519} key must be a signed key object`);
    if (curve25519 && !isCurve25519Key(key)) throw MatrixError.invalidParam(`${path} is not a Base64 curve25519 key`);
    return;
  }
  if (!isObject(key)) throw MatrixError.badJson(`${path} must be a string or a key object`);
  if (typeof key.key !== 'string') throw MatrixError.badJson(`${path}.key must be a string`);
  if (curve25519 && !isCurve25519Key(key.key)) throw MatrixError.invalidParam(`${path}.key is not a Base64 curve25519 key`);
  if (!isObject(key.signatures)) throw MatrixError.badJson(`${path}.signatures must be an object`);
  const signingKeyId = `ed25519:${owner.deviceId}`;
  if (owner.signingKey === null) throw MatrixError.invalidParam(`${path} is signed, but the device has no identity keys to check it with: upload device_keys first`);
  const check = checkJsonSignature(key, owner.userId, signingKeyId, owner.signingKey);
  if (!check.ok) {
    const why = check.reason === 'missing' ? `has no signature by ${signingKeyId}` : check.reason === 'malformed' ? 'has a malformed signature' : `signature by ${signingKeyId} does not verify`;
    throw new MatrixError(400, 'M_INVALID_SIGNATURE', `${path} ${why}`);
  }
}
