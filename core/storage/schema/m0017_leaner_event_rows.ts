import type { Migration } from '../engine/migrations.ts';

/**
 * Fewer and cheaper B-tree inserts per event. `event_auth` and `event_edges` become WITHOUT ROWID tables (their
 * primary key index is the table: one insert per row instead of two; a message writes three auth edges and a prev
 * edge), keyed by the event's stream ordering instead of its ID, so that a new event's rows append (as in
 * `events`) instead of each landing on a random page; readers map IDs to stream orderings through `events`. And
 * an event's state group moves into its `events` row, written with it, instead of a table keyed by event ID whose
 * every insert landed on a random page.
 */
export const m0017LeanerEventRows: Migration = {
  version: 17,
  name: 'leaner_event_rows',
  up(db) {
    db.exec(`
      CREATE TABLE event_auth_new (
        stream_ordering INTEGER NOT NULL,
        auth_id TEXT NOT NULL,
        PRIMARY KEY (stream_ordering, auth_id)
      ) WITHOUT ROWID;
      INSERT INTO event_auth_new (stream_ordering, auth_id)
        SELECT e.stream_ordering, a.auth_id FROM event_auth a JOIN events e ON e.event_id = a.event_id;
      DROP TABLE event_auth;
      ALTER TABLE event_auth_new RENAME TO event_auth;

      CREATE TABLE event_edges_new (
        stream_ordering INTEGER NOT NULL,
        prev_event_id TEXT NOT NULL,
        PRIMARY KEY (stream_ordering, prev_event_id)
      ) WITHOUT ROWID;
      INSERT INTO event_edges_new (stream_ordering, prev_event_id)
        SELECT e.stream_ordering, x.prev_event_id FROM event_edges x JOIN events e ON e.event_id = x.event_id;
      DROP TABLE event_edges;
      ALTER TABLE event_edges_new RENAME TO event_edges;
      -- No index by prev event any more: migration 19 keeps the few edges whose prev event is missing instead.

      -- The state after the event (null for outliers and rejected events that have none).
      ALTER TABLE events ADD COLUMN state_group INTEGER;
      UPDATE events SET state_group = (SELECT g.state_group FROM event_to_state_groups g WHERE g.event_id = events.event_id);
      DROP TABLE event_to_state_groups;
    `);
  },
};
