import type { Migration } from '../engine/migrations.ts';

/**
 * Indexes that no query reads, dropped because every event paid for them: each is keyed by a random event ID,
 * so each new event dirtied one more page of each (measured on a send: 16.7 WAL pages per event before, of which
 * these four were 4.7). Lookups they served: `event_auth` by auth event (nothing asks "which events cite this
 * one"), `event_txn_id` and `event_to_state_groups` for purges we do not have, and a redacted event's search
 * rows, now found through `event_search_entries_by_room` with the event's room and stream ordering.
 */
export const m0016LeanerEventIndexes: Migration = {
  version: 16,
  name: 'leaner_event_indexes',
  up(db) {
    db.exec(`
      DROP INDEX event_auth_by_auth;
      DROP INDEX event_txn_id_by_event;
      DROP INDEX event_to_state_groups_by_group;
      DROP INDEX event_search_entries_by_event;
    `);
  },
};
