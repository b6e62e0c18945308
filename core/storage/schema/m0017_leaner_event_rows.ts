import type { Database } from '../engine/database.ts';
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
    rekeyByStreamOrdering(db, 'event_auth', 'auth_id');
    // No index by prev event any more: migration 19 keeps the few edges whose prev event is missing instead.
    rekeyByStreamOrdering(db, 'event_edges', 'prev_event_id');
    db.exec(`
      -- The state after the event (null for outliers and rejected events that have none).
      ALTER TABLE events ADD COLUMN state_group INTEGER;
      UPDATE events SET state_group = (SELECT g.state_group FROM event_to_state_groups g WHERE g.event_id = events.event_id);
      DROP TABLE event_to_state_groups;
    `);
  },
};

/**
 * Rebuilds an `(event_id, <column>)` edge table as a WITHOUT ROWID table keyed by `(stream_ordering, <column>)`,
 * the event's position taken from `events`.
 */
function rekeyByStreamOrdering(db: Database, table: 'event_auth' | 'event_edges', column: 'auth_id' | 'prev_event_id'): void {
  db.exec(`
    CREATE TABLE ${table}_new (
      stream_ordering INTEGER NOT NULL,
      ${column} TEXT NOT NULL,
      PRIMARY KEY (stream_ordering, ${column})
    ) WITHOUT ROWID;
    INSERT INTO ${table}_new (stream_ordering, ${column})
      SELECT e.stream_ordering, x.${column} FROM ${table} x JOIN events e ON e.event_id = x.event_id;
    DROP TABLE ${table};
    ALTER TABLE ${table}_new RENAME TO ${table};
  `);
}
