/**
 * Password hashing with scrypt from Node's crypto (memory-hard, no native dependency). The stored form names
 * its parameters, so they can be raised later without breaking old hashes:
 * `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.ts';

export interface PasswordHashCost {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

/** ~50-100 ms on a desktop core; tests may pass a cheaper cost. */
export const DEFAULT_PASSWORD_COST: PasswordHashCost = { log2N: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, cost: PasswordHashCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, cost: PasswordHashCost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, cost);
  return ['scrypt', cost.log2N, cost.r, cost.p, encodeBase64(salt), encodeBase64(hash)].join('$');
}

/** True when `password` matches `stored`; false for a mismatch or an unreadable stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 22) return false;
  let salt: Buffer;
  let expected: Buffer;
  try {
    salt = decodeBase64(parts[4]!);
    expected = decodeBase64(parts[5]!);
  } catch {
    return false;
  }
  const actual = await derive(password, salt, { log2N, r, p });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
