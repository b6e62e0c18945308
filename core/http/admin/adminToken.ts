/**
 * The admin API's per-launch bearer token: 256 random bits, never stored by the server. The Electron main
 * process hands it to the renderer through the preload script; `serve --admin-token-file` writes it for a
 * browser. Compared in constant time (over SHA-256 digests, so lengths do not leak either).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { encodeBase64Url } from '../../crypto/base64.ts';

export function createAdminToken(): string {
  return encodeBase64Url(randomBytes(32));
}

export function adminTokenMatches(expected: string, presented: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

/** Writes the token readable by the owner only (atomically, so a reader never sees half a token). */
export function writeAdminTokenFile(path: string, token: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
