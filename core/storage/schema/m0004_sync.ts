import type { Migration } from '../engine/migrations.ts';

/**
 * What /sync needs beyond events: stored filters, presence (one row per user holding its latest change and the
 * presence stream position of it), and indexes for reading receipts and account data per room and per user in
 * stream order.
 */
export const m0004Sync: Migration = {
  version: 4,
  name: 'sync',
  up(db) {
    db.exec(`
      -- Filter IDs count up per user; a stored filter never changes.
      CREATE TABLE user_filters (
        user_id TEXT NOT NULL,
        filter_id INTEGER NOT NULL,
        filter_json TEXT NOT NULL,
        PRIMARY KEY (user_id, filter_id)
      );

      CREATE TABLE presence_stream (
        user_id TEXT PRIMARY KEY,
        stream_id INTEGER NOT NULL,
        state TEXT NOT NULL,
        status_msg TEXT,
        last_active_ts INTEGER NOT NULL,
        currently_active INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX presence_stream_by_id ON presence_stream (stream_id);

      CREATE INDEX receipts_by_room_stream ON receipts_linearized (room_id, stream_id);
      CREATE INDEX receipts_by_user_room ON receipts_linearized (user_id, room_id);
      CREATE INDEX account_data_by_user_stream ON account_data (user_id, stream_id);
    `);
  },
};
