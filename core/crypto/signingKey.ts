/**
 * A server's (or device's) named ed25519 signing key: `ed25519:<version>` plus the key pair.
 * Persisted in Synapse's signing-key file format (`ed25519 <version> <unpadded base64 seed>`), one key per
 * line, so an existing Synapse key file can be reused and ours read by Synapse tools.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { generateKeyPair, keyPairFromSeed, signBytes, signBytesOffThread, type Ed25519KeyPair } from './ed25519.ts';

export const ED25519 = 'ed25519';

export class SigningKey {
  /** The key ID as used in `signatures` and key documents, e.g. `ed25519:a_AbCd`. */
  readonly keyId: string;
  /** The unpadded Base64 public key, as published in key documents. */
  readonly publicKeyBase64: string;

  constructor(
    readonly version: string,
    readonly keyPair: Ed25519KeyPair,
  ) {
    if (!/^[a-zA-Z0-9_]+$/.test(version)) {
      throw new RangeError(`key version "${version}" must match [a-zA-Z0-9_]+`);
    }
    this.keyId = `${ED25519}:${version}`;
    this.publicKeyBase64 = encodeBase64(keyPair.publicKey);
  }

  static fromSeed(version: string, seed: Uint8Array): SigningKey {
    return new SigningKey(version, keyPairFromSeed(seed));
  }

  /** A new random key with a Synapse-style version (`a_` and four random characters). */
  static generate(version = `a_${randomVersionSuffix()}`): SigningKey {
    return new SigningKey(version, generateKeyPair());
  }

  sign(message: Uint8Array): Buffer {
    return signBytes(this.keyPair, message);
  }

  /** `sign` computed on the thread pool. */
  signOffThread(message: Uint8Array): Promise<Buffer> {
    return signBytesOffThread(this.keyPair, message);
  }

  /** The line written to a signing-key file. */
  serialise(): string {
    return `${ED25519} ${this.version} ${encodeBase64(this.keyPair.seed)}`;
  }

  static parse(line: string): SigningKey {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3 || parts[0] !== ED25519) {
      throw new SigningKeyFileError(`expected "ed25519 <version> <seed>", got "${line.trim().slice(0, 40)}"`);
    }
    const seed = decodeBase64(parts[2]!);
    return SigningKey.fromSeed(parts[1]!, seed);
  }
}

export class SigningKeyFileError extends Error {
  override readonly name = 'SigningKeyFileError';
}

/** Reads the signing key at `path`, or creates one there (file mode 0600) when absent. */
export function loadOrCreateSigningKey(path: string): SigningKey {
  if (existsSync(path)) {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    if (lines.length === 0) throw new SigningKeyFileError(`signing key file ${path} is empty`);
    return SigningKey.parse(lines[0]!);
  }
  const key = SigningKey.generate();
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename so a crash never leaves a half-written key that would change our identity.
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, key.serialise() + '\n', { mode: 0o600 });
  renameSync(tmp, path);
  return key;
}

function randomVersionSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(4), (b) => alphabet[b % alphabet.length]).join('');
}
