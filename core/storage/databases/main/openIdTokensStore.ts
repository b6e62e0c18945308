/** OpenID tokens, stored as SHA-256 hashes with their expiry; expired ones are dropped when new ones are added. */
import type { Database } from '../../engine/database.ts';

export class OpenIdTokensStore {
  constructor(private readonly db: Database) {}

  add(tokenHash: string, userId: string, validUntilMs: number, now: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM openid_tokens WHERE valid_until_ms <= ?').run(now);
      this.db.prepare('INSERT INTO openid_tokens (token_hash, user_id, valid_until_ms) VALUES (?, ?, ?)').run(tokenHash, userId, validUntilMs);
    })();
  }

  /** The user a token was issued to, or null when it is unknown or expired at `now`. */
  ownerOf(tokenHash: string, now: number): string | null {
    const userId = this.db.prepare('SELECT user_id FROM openid_tokens WHERE token_hash = ? AND valid_until_ms > ?').pluck().get(tokenHash, now) as string | undefined;
    return userId ?? null;
  }
}
