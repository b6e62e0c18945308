import type { Migration } from '../engine/migrations.ts';

/**
 * Refresh tokens (`refresh_token: true` on /login and /register, exchanged at /refresh), stored as SHA-256
 * hashes like access tokens. Each is issued together with one access token, which names it; the pair is one
 * step of a session on one device.
 */
export const m0012RefreshTokens: Migration = {
  version: 12,
  name: 'refresh_tokens',
  up(db) {
    db.exec(`
      CREATE TABLE refresh_tokens (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        -- Once exchanged: the refresh token issued in its place. The old pair stays usable until the new pair
        -- is used (the client may never have received the answer), then both old tokens are deleted.
        next_token_id INTEGER,
        created_ts INTEGER NOT NULL
      );
      CREATE INDEX refresh_tokens_by_next ON refresh_tokens (next_token_id);

      -- The refresh token issued with this access token; null for sessions without refresh.
      ALTER TABLE access_tokens ADD COLUMN refresh_token_id INTEGER;
      CREATE INDEX access_tokens_by_refresh_token ON access_tokens (refresh_token_id);
    `);
  },
};
