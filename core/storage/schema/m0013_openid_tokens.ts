import type { Migration } from '../engine/migrations.ts';

/**
 * OpenID tokens (`/user/{userId}/openid/request_token`): short-lived proofs of identity that another service
 * exchanges at the federation `openid/userinfo` endpoint. Stored as SHA-256 hashes; they grant nothing else.
 */
export const m0013OpenIdTokens: Migration = {
  version: 13,
  name: 'openid_tokens',
  up(db) {
    db.exec(`
      CREATE TABLE openid_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        valid_until_ms INTEGER NOT NULL
      );
      CREATE INDEX openid_tokens_by_expiry ON openid_tokens (valid_until_ms);
    `);
  },
};
