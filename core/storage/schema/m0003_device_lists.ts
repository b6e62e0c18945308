import type { Migration } from '../engine/migrations.ts';

/**
 * The device-list stream (SEED-BEHAVIOURS.md §3): one row per stream ID, outbound pokes per (destination,
 * device), the remote cache and its extremities, and the cross-signing signature stream. All three stream
 * tables share one ID generator.
 */
export const m0003DeviceLists: Migration = {
  version: 3,
  name: 'device lists',
  up(db) {
    db.exec(`
      CREATE TABLE device_lists_stream (
        stream_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL
      );
      CREATE INDEX device_lists_stream_by_id ON device_lists_stream (stream_id);
      CREATE INDEX device_lists_stream_by_user ON device_lists_stream (user_id, device_id);

      CREATE TABLE device_lists_outbound_pokes (
        destination TEXT NOT NULL,
        stream_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        sent INTEGER NOT NULL DEFAULT 0,
        ts INTEGER NOT NULL
      );
      CREATE INDEX device_lists_outbound_pokes_by_stream ON device_lists_outbound_pokes (stream_id);
      CREATE INDEX device_lists_outbound_pokes_by_destination ON device_lists_outbound_pokes (destination, stream_id);

      CREATE TABLE device_lists_outbound_last_success (
        destination TEXT NOT NULL,
        user_id TEXT NOT NULL,
        stream_id INTEGER NOT NULL,
        PRIMARY KEY (destination, user_id)
      );

      CREATE TABLE device_lists_remote_cache (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (user_id, device_id)
      );

      CREATE TABLE device_lists_remote_extremeties (
        user_id TEXT PRIMARY KEY,
        stream_id TEXT NOT NULL
      );

      CREATE TABLE device_lists_remote_resync (
        user_id TEXT PRIMARY KEY,
        added_ts INTEGER NOT NULL
      );

      CREATE TABLE user_signature_stream (
        stream_id INTEGER NOT NULL,
        from_user_id TEXT NOT NULL,
        user_ids TEXT NOT NULL
      );
      CREATE INDEX user_signature_stream_by_id ON user_signature_stream (stream_id);
    `);
  },
};
