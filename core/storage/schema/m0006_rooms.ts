import type { Migration } from '../engine/migrations.ts';

/** Room aliases (local ones point at a room; the directory lists rooms whose `rooms.is_public` is set). */
export const m0006Rooms: Migration = {
  version: 6,
  name: 'room aliases',
  up(db) {
    db.exec(`
      CREATE TABLE room_aliases (
        room_alias TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        created_ts INTEGER NOT NULL
      );
      CREATE INDEX room_aliases_by_room ON room_aliases (room_id);
    `);
  },
};
