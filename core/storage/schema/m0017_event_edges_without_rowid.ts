import type { Migration } from '../engine/migrations.ts';

/**
 * The small per-event tables keyed by event ID become WITHOUT ROWID tables: their primary key index is the table,
 * so a row is one B-tree insert instead of two (a rowid table plus its key index). A message writes three auth
 * edges, a prev edge, a state group and a transaction ID: six inserts and their pages fewer per event.
 */
export const m0017EventEdgesWithoutRowid: Migration = {
  version: 17,
  name: 'event_edges_without_rowid',
  up(db) {
    db.exec(`
      CREATE TABLE event_auth_new (
        event_id TEXT NOT NULL,
        auth_id TEXT NOT NULL,
        PRIMARY KEY (event_id, auth_id)
      ) WITHOUT ROWID;
      INSERT INTO event_auth_new (event_id, auth_id) SELECT event_id, auth_id FROM event_auth;
      DROP TABLE event_auth;
      ALTER TABLE event_auth_new RENAME TO event_auth;

      CREATE TABLE event_edges_new (
        event_id TEXT NOT NULL,
        prev_event_id TEXT NOT NULL,
        PRIMARY KEY (event_id, prev_event_id)
      ) WITHOUT ROWID;
      INSERT INTO event_edges_new (event_id, prev_event_id) SELECT event_id, prev_event_id FROM event_edges;
      DROP TABLE event_edges;
      ALTER TABLE event_edges_new RENAME TO event_edges;
      CREATE INDEX event_edges_by_prev ON event_edges (prev_event_id);

      CREATE TABLE event_to_state_groups_new (
        event_id TEXT PRIMARY KEY,
        state_group INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO event_to_state_groups_new (event_id, state_group) SELECT event_id, state_group FROM event_to_state_groups;
      DROP TABLE event_to_state_groups;
      ALTER TABLE event_to_state_groups_new RENAME TO event_to_state_groups;

      -- Idempotent PUT /send: one event per (room, user, device, txn ID).
      CREATE TABLE event_txn_id_new (
        room_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        txn_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        inserted_ts INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id, device_id, txn_id)
      ) WITHOUT ROWID;
      INSERT INTO event_txn_id_new (room_id, user_id, device_id, txn_id, event_id, inserted_ts)
        SELECT room_id, user_id, device_id, txn_id, event_id, inserted_ts FROM event_txn_id;
      DROP TABLE event_txn_id;
      ALTER TABLE event_txn_id_new RENAME TO event_txn_id;
    `);
  },
};
