import type { Migration } from '../engine/migrations.ts';

/**
 * Which stored events name a prev event that is not in the DAG (missing, or only held as an outlier): the only
 * edges anything looks up by prev event (does a new event already have children? where does our history end?).
 * It replaces an index of every edge by prev event ID, a random key every new event paid a page for, with a
 * table that stays small: a row goes when its prev event joins the DAG.
 */
export const m0019PrevEventsWaiting: Migration = {
  version: 19,
  name: 'prev_events_waiting',
  up(db) {
    db.exec(`
      CREATE TABLE event_prev_waiting (
        prev_event_id TEXT NOT NULL,
        -- The child's stream ordering (a non-outlier event: those keep their position).
        stream_ordering INTEGER NOT NULL,
        PRIMARY KEY (prev_event_id, stream_ordering)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO event_prev_waiting (prev_event_id, stream_ordering)
        SELECT x.prev_event_id, x.stream_ordering FROM event_edges x LEFT JOIN events p ON p.event_id = x.prev_event_id
        WHERE p.event_id IS NULL OR p.outlier = 1;
    `);
  },
};
