/**
 * Access tokens, stored as SHA-256 hashes (a copy of the database does not hand out sessions). Lookups by
 * token are cached; revoking a token invalidates its entry.
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';

export interface TokenOwner {
  readonly tokenId: number;
  readonly userId: string;
  readonly deviceId: string;
  readonly validUntilMs: number | null;
}

export class AccessTokensStore {
  /** The owner of a token, by the token's hash. */
  readonly getTokenOwner: CachedFunction<[tokenHash: string], TokenOwner | null>;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
  ) {
    this.getTokenOwner = caches.cached({ name: 'getTokenOwner', maxEntries: 10_000 }, (tokenHash: string): TokenOwner | null => {
      const row = this.db.prepare('SELECT id, user_id, device_id, valid_until_ms FROM access_tokens WHERE token_hash = ?').get(tokenHash) as
        | { id: number; user_id: string; device_id: string; valid_until_ms: number | null }
        | undefined;
      return row ? { tokenId: row.id, userId: row.user_id, deviceId: row.device_id, validUntilMs: row.valid_until_ms } : null;
    });
  }

  addToken(tokenHash: string, userId: string, deviceId: string, now: number, validUntilMs: number | null = null): number {
    return Number(
      this.db
        .prepare('INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, valid_until_ms) VALUES (?, ?, ?, ?, ?)')
        .run(tokenHash, userId, deviceId, now, validUntilMs).lastInsertRowid,
    );
  }

  /** Deletes tokens and returns their hashes (for cache invalidation). */
  deleteTokensForDevice(userId: string, deviceId: string): string[] {
    return this.deleteWhere('user_id = ? AND device_id = ?', userId, deviceId);
  }

  deleteAllTokens(userId: string, exceptTokenId: number | null = null): string[] {
    return exceptTokenId === null ? this.deleteWhere('user_id = ?', userId) : this.deleteWhere('user_id = ? AND id != ?', userId, exceptTokenId);
  }

  deleteToken(tokenHash: string): string[] {
    return this.deleteWhere('token_hash = ?', tokenHash);
  }

  private deleteWhere(where: string, ...params: (string | number)[]): string[] {
    return this.db.transaction(() => {
      const hashes = this.db.prepare(`SELECT token_hash FROM access_tokens WHERE ${where}`).pluck().all(...params) as string[];
      this.db.prepare(`DELETE FROM access_tokens WHERE ${where}`).run(...params);
      return hashes;
    })();
  }
}
