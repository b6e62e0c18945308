import type { Migration } from '../engine/migrations.ts';

/** The server's identity and local accounts: users, profiles, devices and access tokens. */
export const m0001Accounts: Migration = {
  version: 1,
  name: 'accounts',
  up(db) {
    db.exec(`
      CREATE TABLE server_identity (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        password_hash TEXT,
        admin INTEGER NOT NULL DEFAULT 0,
        is_guest INTEGER NOT NULL DEFAULT 0,
        deactivated INTEGER NOT NULL DEFAULT 0,
        creation_ts INTEGER NOT NULL
      );

      CREATE TABLE profiles (
        user_id TEXT PRIMARY KEY,
        displayname TEXT,
        avatar_url TEXT
      );

      CREATE TABLE devices (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        display_name TEXT,
        last_seen_ts INTEGER,
        last_seen_ip TEXT,
        last_seen_user_agent TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, device_id)
      );

      -- Tokens are stored as SHA-256 hashes: a copy of the database does not hand out sessions.
      CREATE TABLE access_tokens (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        created_ts INTEGER NOT NULL,
        last_used_ts INTEGER,
        valid_until_ms INTEGER
      );
      CREATE INDEX access_tokens_by_device ON access_tokens (user_id, device_id);
    `);
  },
};
