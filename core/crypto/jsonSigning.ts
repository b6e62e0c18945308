/**
 * Signing JSON (appendices, "Signing Details"): the signature covers the canonical JSON of the object without
 * its `signatures` and `unsigned` members, and is added under `signatures[entity][keyId]`.
 */
import { canonicalJsonBytes, type CanonicalJsonOptions, type JsonObject } from './canonicalJson.ts';
import { decodeBase64, Base64Error, encodeBase64 } from './base64.ts';
import { verifyBytes } from './ed25519.ts';
import type { KeyObject } from 'node:crypto';
import type { SigningKey } from './signingKey.ts';

export type Signatures = Record<string, Record<string, string>>;

/** The bytes a signature covers. */
export function signedBytes(object: JsonObject, options?: CanonicalJsonOptions): Buffer {
  const { signatures: _s, unsigned: _u, ...rest } = object;
  return canonicalJsonBytes(rest, options);
}

/** Returns a copy of `object` with our signature added (other signatures kept; `unsigned` kept untouched). */
export function signJson<T extends JsonObject>(
  object: T,
  entity: string,
  key: SigningKey,
  options?: CanonicalJsonOptions,
): T & { signatures: Signatures } {
  const signature = encodeBase64(key.sign(signedBytes(object, options)));
  const existing = isSignatures(object.signatures) ? object.signatures : {};
  const signatures: Signatures = { ...existing, [entity]: { ...(existing[entity] ?? {}), [key.keyId]: signature } };
  return { ...object, signatures };
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'invalid' };

/**
 * Checks `object`'s signature by `entity` with `keyId` against `publicKey`.
 * Distinguishes a missing signature from a malformed or invalid one, so callers can give clear errors.
 */
export function checkJsonSignature(
  object: JsonObject,
  entity: string,
  keyId: string,
  publicKey: Uint8Array | KeyObject,
  options?: CanonicalJsonOptions,
): SignatureCheck {
  const signatures = object.signatures;
  if (!isSignatures(signatures)) return { ok: false, reason: signatures === undefined ? 'missing' : 'malformed' };
  const encoded = signatures[entity]?.[keyId];
  if (encoded === undefined) return { ok: false, reason: 'missing' };
  if (typeof encoded !== 'string') return { ok: false, reason: 'malformed' };
  let signature: Buffer;
  try {
    signature = decodeBase64(encoded);
  } catch (e) {
    if (e instanceof Base64Error) return { ok: false, reason: 'malformed' };
    throw e;
  }
  let message: Buffer;
  try {
    message = signedBytes(object, options);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  return verifyBytes(publicKey, message, signature) ? { ok: true } : { ok: false, reason: 'invalid' };
}

/** The key IDs `entity` signed `object` with (e.g. to pick which keys to fetch). */
export function signatureKeyIds(object: JsonObject, entity: string): string[] {
  const signatures = object.signatures;
  if (!isSignatures(signatures)) return [];
  return Object.keys(signatures[entity] ?? {});
}

function isSignatures(value: unknown): value is Signatures {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
}
