import type { Migration } from '../engine/migrations.ts';

/**
 * Rooms and their events: the DAG (edges, auth edges, extremities), state groups (the `state` store), current
 * state and memberships, redactions, rejections, transaction IDs, and the stream tables fed by persistence.
 */
export const m0002EventsAndState: Migration = {
  version: 2,
  name: 'events and state',
  up(db) {
    db.exec(`
      CREATE TABLE rooms (
        room_id TEXT PRIMARY KEY,
        room_version TEXT NOT NULL,
        creator TEXT,
        is_public INTEGER NOT NULL DEFAULT 0
      );

      -- One row per event we hold. stream_ordering is the events stream position (negative for backfilled
      -- history, so that live positions never move backwards); depth is the topological ordering.
      CREATE TABLE events (
        stream_ordering INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        room_id TEXT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT,
        sender TEXT NOT NULL,
        depth INTEGER NOT NULL,
        origin_server_ts INTEGER NOT NULL,
        received_ts INTEGER NOT NULL,
        outlier INTEGER NOT NULL DEFAULT 0,
        soft_failed INTEGER NOT NULL DEFAULT 0,
        instance_name TEXT NOT NULL DEFAULT 'main'
      );
      CREATE INDEX events_by_room_stream ON events (room_id, stream_ordering);
      CREATE INDEX events_by_room_depth ON events (room_id, depth, stream_ordering);

      CREATE TABLE event_json (
        event_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        room_version TEXT NOT NULL,
        internal_metadata TEXT NOT NULL,
        json TEXT NOT NULL
      );

      CREATE TABLE event_edges (
        event_id TEXT NOT NULL,
        prev_event_id TEXT NOT NULL,
        PRIMARY KEY (event_id, prev_event_id)
      );
      CREATE INDEX event_edges_by_prev ON event_edges (prev_event_id);

      CREATE TABLE event_auth (
        event_id TEXT NOT NULL,
        auth_id TEXT NOT NULL,
        PRIMARY KEY (event_id, auth_id)
      );
      CREATE INDEX event_auth_by_auth ON event_auth (auth_id);

      CREATE TABLE event_forward_extremities (
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        PRIMARY KEY (room_id, event_id)
      );

      CREATE TABLE event_backward_extremities (
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        PRIMARY KEY (room_id, event_id)
      );

      CREATE TABLE state_events (
        event_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT NOT NULL
      );

      CREATE TABLE current_state_events (
        room_id TEXT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT NOT NULL,
        event_id TEXT NOT NULL,
        membership TEXT,
        PRIMARY KEY (room_id, type, state_key)
      );
      CREATE INDEX current_state_members ON current_state_events (type, state_key) WHERE type = 'm.room.member';

      -- Every change of current state, for sync and other instances.
      CREATE TABLE current_state_delta_stream (
        stream_id INTEGER NOT NULL,
        room_id TEXT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT NOT NULL,
        event_id TEXT,
        prev_event_id TEXT,
        instance_name TEXT NOT NULL DEFAULT 'main'
      );
      CREATE INDEX current_state_delta_by_stream ON current_state_delta_stream (stream_id);

      CREATE TABLE room_memberships (
        event_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        room_id TEXT NOT NULL,
        membership TEXT NOT NULL,
        display_name TEXT,
        avatar_url TEXT,
        event_stream_ordering INTEGER NOT NULL,
        forgotten INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX room_memberships_by_user ON room_memberships (user_id, room_id);
      CREATE INDEX room_memberships_by_room ON room_memberships (room_id);

      -- Local users' latest membership per room; survives the server leaving the room (SEED-BEHAVIOURS.md §6).
      CREATE TABLE local_current_membership (
        room_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        membership TEXT NOT NULL,
        event_stream_ordering INTEGER NOT NULL,
        UNIQUE (user_id, room_id)
      );
      CREATE INDEX local_current_membership_by_room ON local_current_membership (room_id);

      CREATE TABLE redactions (
        event_id TEXT PRIMARY KEY,
        redacts TEXT NOT NULL,
        have_censored INTEGER NOT NULL DEFAULT 0,
        received_ts INTEGER NOT NULL
      );
      CREATE INDEX redactions_by_target ON redactions (redacts);

      CREATE TABLE rejections (
        event_id TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        last_check INTEGER NOT NULL
      );

      -- Idempotent PUT /send: one event per (room, user, device, txn ID).
      CREATE TABLE event_txn_id (
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        txn_id TEXT NOT NULL,
        inserted_ts INTEGER NOT NULL,
        UNIQUE (room_id, user_id, device_id, txn_id)
      );
      CREATE INDEX event_txn_id_by_event ON event_txn_id (event_id);

      CREATE TABLE event_to_state_groups (
        event_id TEXT PRIMARY KEY,
        state_group INTEGER NOT NULL
      );
      CREATE INDEX event_to_state_groups_by_group ON event_to_state_groups (state_group);

      -- The state store: each group is a delta against its previous group (state_group_edges), so the state
      -- at any event loads without copying whole states.
      CREATE TABLE state_groups (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        event_id TEXT NOT NULL
      );
      CREATE TABLE state_groups_state (
        state_group INTEGER NOT NULL,
        room_id TEXT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT NOT NULL,
        event_id TEXT NOT NULL
      );
      CREATE INDEX state_groups_state_by_group ON state_groups_state (state_group, type, state_key);
      CREATE TABLE state_group_edges (
        state_group INTEGER PRIMARY KEY,
        prev_state_group INTEGER NOT NULL
      );
      CREATE INDEX state_group_edges_by_prev ON state_group_edges (prev_state_group);

      -- Every cache invalidation, so that other instances can replay them (SEED-BEHAVIOURS.md §1, §7).
      CREATE TABLE cache_invalidation_stream (
        stream_id INTEGER NOT NULL,
        instance_name TEXT NOT NULL,
        cache_func TEXT NOT NULL,
        keys TEXT,
        invalidation_ts INTEGER NOT NULL
      );
      CREATE INDEX cache_invalidation_by_stream ON cache_invalidation_stream (stream_id);

      CREATE TABLE receipts_linearized (
        stream_id INTEGER NOT NULL,
        room_id TEXT NOT NULL,
        receipt_type TEXT NOT NULL,
        user_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        thread_id TEXT,
        data TEXT NOT NULL,
        UNIQUE (room_id, receipt_type, user_id, thread_id)
      );
      CREATE INDEX receipts_by_stream ON receipts_linearized (stream_id);

      CREATE TABLE account_data (
        stream_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        room_id TEXT NOT NULL DEFAULT '',
        account_data_type TEXT NOT NULL,
        content TEXT NOT NULL,
        UNIQUE (user_id, room_id, account_data_type)
      );
      CREATE INDEX account_data_by_stream ON account_data (stream_id);
    `);
  },
};
