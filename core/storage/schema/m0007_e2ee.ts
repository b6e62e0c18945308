import type { Migration } from '../engine/migrations.ts';

/**
 * End-to-end encryption: devices' identity keys, one-time and fallback keys, cross-signing keys and the
 * signatures users upload for them, the to-device inbox (with its own stream), and server-side key backups.
 * Key JSON is stored as the client uploaded it (canonical JSON), since it is signed.
 */
export const m0007E2ee: Migration = {
  version: 7,
  name: 'end-to-end encryption',
  up(db) {
    db.exec(`
      CREATE TABLE e2e_device_keys_json (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        ts_added_ms INTEGER NOT NULL,
        key_json TEXT NOT NULL,
        PRIMARY KEY (user_id, device_id)
      );

      -- id orders claims: keys go out in upload order.
      CREATE TABLE e2e_one_time_keys_json (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        key_id TEXT NOT NULL,
        ts_added_ms INTEGER NOT NULL,
        key_json TEXT NOT NULL,
        UNIQUE (user_id, device_id, algorithm, key_id)
      );
      CREATE INDEX e2e_one_time_keys_by_claim ON e2e_one_time_keys_json (user_id, device_id, algorithm, id);

      -- At most one fallback key per device and algorithm; 'used' once handed out by a claim.
      CREATE TABLE e2e_fallback_keys_json (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        key_id TEXT NOT NULL,
        key_json TEXT NOT NULL,
        used INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, device_id, algorithm)
      );

      -- The current master, self_signing and user_signing key of each user.
      CREATE TABLE e2e_cross_signing_keys (
        user_id TEXT NOT NULL,
        key_type TEXT NOT NULL,
        public_key TEXT NOT NULL,
        key_json TEXT NOT NULL,
        ts_added_ms INTEGER NOT NULL,
        PRIMARY KEY (user_id, key_type)
      );

      -- Signatures uploaded through /keys/signatures/upload: signer's key signs a target (a device, or a master
      -- key named by its public key). Kept apart from the signed JSON and merged in when keys are queried.
      CREATE TABLE e2e_cross_signing_signatures (
        user_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        target_user_id TEXT NOT NULL,
        target_device_id TEXT NOT NULL,
        signature TEXT NOT NULL,
        PRIMARY KEY (target_user_id, target_device_id, user_id, key_id)
      );

      -- To-device messages waiting for their device; deleted once a /sync acknowledges them. One row per
      -- (device, stream ID): a request sends at most one message to each device.
      CREATE TABLE device_inbox (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        stream_id INTEGER NOT NULL,
        message_json TEXT NOT NULL,
        PRIMARY KEY (user_id, device_id, stream_id)
      );
      CREATE INDEX device_inbox_by_stream ON device_inbox (stream_id);

      -- The highest to-device stream ID ever allocated. Acknowledged messages are deleted, so without it a
      -- restart with an empty inbox would hand out IDs that clients' sync tokens already passed.
      CREATE TABLE device_inbox_stream_position (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        stream_id INTEGER NOT NULL
      );

      -- Transaction IDs of /sendToDevice requests per sending device, for idempotent retries.
      CREATE TABLE device_inbox_txns (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        txn_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        PRIMARY KEY (user_id, device_id, txn_id)
      );
      CREATE INDEX device_inbox_txns_by_ts ON device_inbox_txns (ts);

      CREATE TABLE e2e_room_keys_versions (
        user_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        algorithm TEXT NOT NULL,
        auth_data TEXT NOT NULL,
        etag INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, version)
      );

      CREATE TABLE e2e_room_keys (
        user_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        room_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        first_message_index INTEGER NOT NULL,
        forwarded_count INTEGER NOT NULL,
        is_verified INTEGER NOT NULL,
        session_data TEXT NOT NULL,
        PRIMARY KEY (user_id, version, room_id, session_id)
      );
    `);
  },
};
