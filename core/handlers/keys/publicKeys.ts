/**
 * Public keys as the E2EE APIs carry them: unpadded Base64 of 32 raw bytes (ed25519 signing keys, curve25519
 * keys). Parsing never throws: a malformed key is null, so callers can answer with a clear error.
 */
import type { KeyObject } from 'node:crypto';
import { Base64Error, decodeBase64 } from '../../crypto/base64.ts';
import { publicKeyObject } from '../../crypto/ed25519.ts';

const KEY_LENGTH = 32;

function decode32(text: unknown): Buffer | null {
  if (typeof text !== 'string') return null;
  try {
    const bytes = decodeBase64(text);
    return bytes.length === KEY_LENGTH ? bytes : null;
  } catch (e) {
    if (e instanceof Base64Error) return null;
    throw e;
  }
}

/** An ed25519 public key ready for verifying signatures, or null when `text` is not one. */
export function parseEd25519PublicKey(text: unknown): KeyObject | null {
  const bytes = decode32(text);
  return bytes === null ? null : publicKeyObject(bytes);
}

/** Whether `text` is the Base64 of a 32-byte curve25519 key. */
export function isCurve25519Key(text: unknown): boolean {
  return decode32(text) !== null;
}
