/**
 * Access tokens, stored as SHA-256 hashes (a copy of the database does not hand out sessions). Lookups by
 * token are cached; revoking a token invalidates its entry. Revoking the access token of a refreshable
 * session revokes the rest of that session too (refreshTokensStore.ts).
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';
import type { RefreshTokensStore } from './refreshTokensStore.ts';

export interface TokenOwner {
  readonly tokenId: number;
  readonly userId: string;
  readonly deviceId: string;
  readonly validUntilMs: number | null;
  /** The refresh token issued with this token, for refreshable sessions. */
  readonly refreshTokenId: number | null;
  /** The session's previous step is still live: the first use of this token retires it. */
  readonly predecessorPending: boolean;
}

export class AccessTokensStore {
  /** The owner of a token, by the token's hash. */
  readonly getTokenOwner: CachedFunction<[tokenHash: string], TokenOwner | null>;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
    private readonly refreshTokens: RefreshTokensStore,
  ) {
    this.getTokenOwner = caches.cached({ name: 'getTokenOwner', maxEntries: 10_000 }, (tokenHash: string): TokenOwner | null => {
      const row = this.db
        .prepare(
          `SELECT a.id, a.user_id, a.device_id, a.valid_until_ms, a.refresh_token_id,
             EXISTS (SELECT 1 FROM refresh_tokens p WHERE p.next_token_id = a.refresh_token_id) AS predecessor_pending
           FROM access_tokens a WHERE a.token_hash = ?`,
        )
        .get(tokenHash) as
        | { id: number; user_id: string; device_id: string; valid_until_ms: number | null; refresh_token_id: number | null; predecessor_pending: number }
        | undefined;
      return row
        ? {
            tokenId: row.id,
            userId: row.user_id,
            deviceId: row.device_id,
            validUntilMs: row.valid_until_ms,
            refreshTokenId: row.refresh_token_id,
            predecessorPending: row.predecessor_pending === 1,
          }
        : null;
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
      const rows = this.db.prepare(`SELECT token_hash, refresh_token_id FROM access_tokens WHERE ${where}`).all(...params) as { token_hash: string; refresh_token_id: number | null }[];
      this.db.prepare(`DELETE FROM access_tokens WHERE ${where}`).run(...params);
      const refreshTokenIds = rows.flatMap((r) => (r.refresh_token_id === null ? [] : [r.refresh_token_id]));
      return [...rows.map((r) => r.token_hash), ...this.refreshTokens.deleteSessions(refreshTokenIds)];
    })();
  }
}
