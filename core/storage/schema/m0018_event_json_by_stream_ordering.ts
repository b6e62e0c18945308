import type { Migration } from '../engine/migrations.ts';

/**
 * `event_json` is keyed by the event's stream ordering (its rowid, which new events append to) instead of its
 * event ID (a random key: every new event dirtied another page of that index). Readers reach it from `events`,
 * which maps event IDs to stream orderings already. `event_id` stays as a plain column for inspection.
 */
export const m0018EventJsonByStreamOrdering: Migration = {
  version: 18,
  name: 'event_json_by_stream_ordering',
  up(db) {
    db.exec(`
      CREATE TABLE event_json_new (
        stream_ordering INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        room_version TEXT NOT NULL,
        internal_metadata TEXT NOT NULL,
        json TEXT NOT NULL
      );
      INSERT INTO event_json_new (stream_ordering, event_id, room_id, room_version, internal_metadata, json)
        SELECT e.stream_ordering, j.event_id, j.room_id, j.room_version, j.internal_metadata, j.json
        FROM event_json j JOIN events e ON e.event_id = j.event_id;
      DROP TABLE event_json;
      ALTER TABLE event_json_new RENAME TO event_json;
    `);
  },
};
