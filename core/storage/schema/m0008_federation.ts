import type { Migration } from '../engine/migrations.ts';

/**
 * Federation: remote servers' signing keys, received transactions (for idempotency), and the outbound queue per
 * destination with its retry state, so that nothing queued is lost across a restart.
 */
export const m0008Federation: Migration = {
  version: 8,
  name: 'federation',
  up(db) {
    db.exec(`
      CREATE TABLE server_signature_keys (
        server_name TEXT NOT NULL,
        key_id TEXT NOT NULL,
        verify_key TEXT NOT NULL,
        -- Until when the key may be used to verify (the lesser of its valid_until_ts and fetch time + 7 days).
        valid_until_ts INTEGER NOT NULL,
        -- Set for old_verify_keys: events before this time may still be verified with it.
        expired_ts INTEGER,
        fetched_ts INTEGER NOT NULL,
        PRIMARY KEY (server_name, key_id)
      );

      CREATE TABLE received_transactions (
        origin TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        response_json TEXT NOT NULL,
        received_ts INTEGER NOT NULL,
        PRIMARY KEY (origin, transaction_id)
      );

      CREATE TABLE destinations (
        destination TEXT PRIMARY KEY,
        failure_ts INTEGER,
        retry_last_ts INTEGER,
        retry_interval_ms INTEGER NOT NULL DEFAULT 0,
        last_success_ts INTEGER
      );

      -- Everything still owed to a destination, in order: PDUs (by event ID) and EDUs (by content).
      CREATE TABLE federation_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        destination TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('pdu', 'edu')),
        event_id TEXT,
        edu_type TEXT,
        content TEXT,
        -- EDUs of the same key replace each other (e.g. a newer typing notification for the same room).
        dedupe_key TEXT,
        queued_ts INTEGER NOT NULL
      );
      CREATE INDEX federation_outbox_by_destination ON federation_outbox (destination, id);
      CREATE UNIQUE INDEX federation_outbox_pdu ON federation_outbox (destination, event_id) WHERE kind = 'pdu';

      -- How far the sender has queued our own events for other servers: after a restart it carries on from here.
      CREATE TABLE federation_sender_position (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        stream_ordering INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX federation_outbox_dedupe ON federation_outbox (destination, dedupe_key) WHERE dedupe_key IS NOT NULL;
    `);
  },
};
