/**
 * Ed25519 over Node's built-in crypto. Keys are handled as raw 32-byte seeds and public keys, the form Matrix
 * uses on the wire; the DER wrappers below are the fixed ASN.1 headers for those raw forms.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const ED25519_SEED_LENGTH = 32;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

export interface Ed25519KeyPair {
  readonly seed: Buffer;
  readonly publicKey: Buffer;
  readonly privateKeyObject: KeyObject;
}

export function keyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  if (seed.length !== ED25519_SEED_LENGTH) {
    throw new RangeError(`an ed25519 seed is ${ED25519_SEED_LENGTH} bytes, got ${seed.length}`);
  }
  const privateKeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_SEED_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKeyObject).export({ format: 'der', type: 'spki' });
  return { seed: Buffer.from(seed), publicKey: spki.subarray(SPKI_PREFIX.length), privateKeyObject };
}

export function generateKeyPair(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return keyPairFromSeed(pkcs8.subarray(PKCS8_SEED_PREFIX.length));
}

export function signBytes(keyPair: Ed25519KeyPair, message: Uint8Array): Buffer {
  return sign(null, message, keyPair.privateKeyObject);
}

/** signBytes on libuv's thread pool, leaving the event loop free while the signature is computed. */
export function signBytesOffThread(keyPair: Ed25519KeyPair, message: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => sign(null, message, keyPair.privateKeyObject, (error, signature) => (error ? reject(error) : resolve(signature))));
}

/** A public key parsed once, so that verifying many signatures does not re-parse it. */
export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new RangeError(`an ed25519 public key is ${ED25519_PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`);
  }
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** True when `signature` is a valid ed25519 signature of `message`; false for wrong lengths or bad signatures. */
export function verifyBytes(publicKey: Uint8Array | KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  const key = publicKey instanceof Uint8Array ? publicKeyObject(publicKey) : publicKey;
  return verify(null, message, key, signature);
}
