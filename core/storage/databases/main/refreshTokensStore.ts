/**
 * Refresh tokens, stored as SHA-256 hashes. A refresh token and the access token issued with it (which names it
 * in `access_tokens.refresh_token_id`) are one step of a session. Exchanging a refresh token issues the next
 * step and links it from the old one (`next_token_id`); the old step stays usable until the new one is used,
 * so a session has at most two live steps: a pending predecessor and the current one.
 */
import type { Database } from '../../engine/database.ts';

export interface RefreshTokenRecord {
  readonly id: number;
  readonly userId: string;
  readonly deviceId: string;
}

export interface NewSessionStep {
  readonly userId: string;
  readonly deviceId: string;
  readonly accessTokenHash: string;
  readonly refreshTokenHash: string;
  readonly now: number;
  /** When the access token expires. */
  readonly accessValidUntilMs: number;
}

/** Access token hashes revoked by a change, for cache invalidation. */
export type RevokedAccessTokenHashes = string[];

export class RefreshTokensStore {
  constructor(private readonly db: Database) {}

  get(tokenHash: string): RefreshTokenRecord | null {
    const row = this.db.prepare('SELECT id, user_id, device_id FROM refresh_tokens WHERE token_hash = ?').get(tokenHash) as
      | { id: number; user_id: string; device_id: string }
      | undefined;
    return row ? { id: row.id, userId: row.user_id, deviceId: row.device_id } : null;
  }

  /** Inserts a refresh token and the access token issued with it (in the caller's transaction, if any). */
  issue(step: NewSessionStep): { refreshTokenId: number } {
    const refreshTokenId = Number(
      this.db
        .prepare('INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_ts) VALUES (?, ?, ?, ?)')
        .run(step.refreshTokenHash, step.userId, step.deviceId, step.now).lastInsertRowid,
    );
    this.db
      .prepare('INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, valid_until_ms, refresh_token_id) VALUES (?, ?, ?, ?, ?, ?)')
      .run(step.accessTokenHash, step.userId, step.deviceId, step.now, step.accessValidUntilMs, refreshTokenId);
    return { refreshTokenId };
  }

  /**
   * Exchanges `old` for `next`; null when `old` has meanwhile gone (used up or revoked by another process).
   * Using `old` retires its own pending predecessor (the client evidently has `old`); a step issued by an
   * earlier exchange of `old` that was never used is replaced (the client retried).
   */
  exchange(old: RefreshTokenRecord, next: NewSessionStep): RevokedAccessTokenHashes | null {
    const exchange = this.db.transaction((): RevokedAccessTokenHashes | null => {
      // Read again under the write lock: the record may be stale.
      const current = this.db.prepare('SELECT next_token_id FROM refresh_tokens WHERE id = ?').get(old.id) as { next_token_id: number | null } | undefined;
      if (!current) return null;
      const revoked = this.retirePredecessor(old.id);
      if (current.next_token_id !== null) revoked.push(...this.deleteSteps([current.next_token_id]));
      const { refreshTokenId } = this.issue(next);
      this.db.prepare('UPDATE refresh_tokens SET next_token_id = ? WHERE id = ?').run(refreshTokenId, old.id);
      return revoked;
    });
    return exchange.immediate();
  }

  /** The step of `refreshTokenId` has been used: its pending predecessor (refresh and access token) is deleted. */
  retirePredecessor(refreshTokenId: number): RevokedAccessTokenHashes {
    return this.db.transaction(() => {
      const predecessors = this.db.prepare('SELECT id FROM refresh_tokens WHERE next_token_id = ?').pluck().all(refreshTokenId) as number[];
      return predecessors.length === 0 ? [] : this.deleteSteps(predecessors);
    })();
  }

  /**
   * The access tokens of these refresh tokens were revoked: the refresh tokens go, with the rest of their
   * sessions (a pending predecessor or an unused successor and its access token).
   */
  deleteSessions(refreshTokenIds: readonly number[]): RevokedAccessTokenHashes {
    if (refreshTokenIds.length === 0) return [];
    const ids = JSON.stringify(refreshTokenIds);
    const related = this.db
      .prepare(
        `SELECT id FROM refresh_tokens WHERE next_token_id IN (SELECT value FROM json_each(?))
         UNION SELECT next_token_id FROM refresh_tokens WHERE id IN (SELECT value FROM json_each(?)) AND next_token_id IS NOT NULL`,
      )
      .pluck()
      .all(ids, ids) as number[];
    return this.deleteSteps([...refreshTokenIds, ...related]);
  }

  /** Deletes refresh tokens and the access tokens issued with them; returns the access tokens' hashes. */
  private deleteSteps(refreshTokenIds: readonly number[]): RevokedAccessTokenHashes {
    const ids = JSON.stringify(refreshTokenIds);
    const hashes = this.db.prepare('SELECT token_hash FROM access_tokens WHERE refresh_token_id IN (SELECT value FROM json_each(?))').pluck().all(ids) as string[];
    this.db.prepare('DELETE FROM access_tokens WHERE refresh_token_id IN (SELECT value FROM json_each(?))').run(ids);
    this.db.prepare('DELETE FROM refresh_tokens WHERE id IN (SELECT value FROM json_each(?))').run(ids);
    return hashes;
  }
}
