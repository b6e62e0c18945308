import type { Migration } from '../engine/migrations.ts';

/**
 * Pushers a client registered (`/pushers/set`; kept and listed, no outbound pushing by default) and content
 * reports (`/rooms/{roomId}/report[/{eventId}]`, `/users/{userId}/report`), kept for the server's administrator.
 */
export const m0011PushersAndReports: Migration = {
  version: 11,
  name: 'pushers_and_reports',
  up(db) {
    db.exec(`
      CREATE TABLE pushers (
        user_id TEXT NOT NULL,
        app_id TEXT NOT NULL,
        pushkey TEXT NOT NULL,
        -- Which access token registered it (its device), so logging out can drop it.
        device_id TEXT,
        kind TEXT NOT NULL,
        app_display_name TEXT NOT NULL,
        device_display_name TEXT NOT NULL,
        profile_tag TEXT,
        lang TEXT NOT NULL,
        data_json TEXT NOT NULL,
        created_ts INTEGER NOT NULL,
        PRIMARY KEY (user_id, app_id, pushkey)
      );
      CREATE INDEX pushers_by_pushkey ON pushers (app_id, pushkey);

      CREATE TABLE content_reports (
        id INTEGER PRIMARY KEY,
        reporter TEXT NOT NULL,
        -- Null for a report of a user.
        room_id TEXT,
        -- Null for a report of the room as a whole (or of a user).
        event_id TEXT,
        -- Set for a report of a user.
        reported_user TEXT,
        reason TEXT,
        score INTEGER,
        received_ts INTEGER NOT NULL
      );
    `);
  },
};
