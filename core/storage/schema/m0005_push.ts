import type { Migration } from '../engine/migrations.ts';

/**
 * Push rules and notifications: each user's own rules (with their priority within a kind), their changes to the
 * server-default rules, a stream of rule changes (for `m.push_rules` in /sync), the push actions recorded for
 * each (user, event) that notified, each user's latest own event per room (sending counts as reading), and how
 * far along the events stream actions have been recorded (so a restart catches up on what it missed).
 */
export const m0005Push: Migration = {
  version: 5,
  name: 'push rules and notifications',
  up(db) {
    db.exec(`
      -- priority: higher is more important, within (user, kind).
      CREATE TABLE push_rules (
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        priority INTEGER NOT NULL,
        conditions TEXT,
        pattern TEXT,
        actions TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (user_id, kind, rule_id)
      );

      -- NULL means "as the server default".
      CREATE TABLE push_rules_default_changes (
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        enabled INTEGER,
        actions TEXT,
        PRIMARY KEY (user_id, kind, rule_id)
      );

      CREATE TABLE push_rules_stream (
        stream_id INTEGER NOT NULL,
        user_id TEXT NOT NULL
      );
      CREATE INDEX push_rules_stream_by_id ON push_rules_stream (stream_id);
      CREATE INDEX push_rules_stream_by_user ON push_rules_stream (user_id, stream_id);

      -- One row per (user, event) whose push rules said notify. thread_id is 'main' or the thread root.
      CREATE TABLE event_push_actions (
        user_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        stream_ordering INTEGER NOT NULL,
        thread_id TEXT NOT NULL,
        actions TEXT NOT NULL,
        notif INTEGER NOT NULL,
        highlight INTEGER NOT NULL,
        inserted_ts INTEGER NOT NULL,
        PRIMARY KEY (user_id, event_id)
      );
      -- Unread counts read the main timeline and threads separately, each as a range after a read position.
      CREATE INDEX event_push_actions_main ON event_push_actions (user_id, room_id, stream_ordering) WHERE thread_id = 'main';
      CREATE INDEX event_push_actions_threads ON event_push_actions (user_id, room_id, stream_ordering) WHERE thread_id <> 'main';
      CREATE INDEX event_push_actions_by_stream ON event_push_actions (user_id, stream_ordering);
      CREATE INDEX event_push_actions_by_event ON event_push_actions (event_id);

      CREATE TABLE event_push_last_sent (
        user_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        stream_ordering INTEGER NOT NULL,
        PRIMARY KEY (user_id, room_id)
      );

      -- Every event at or below stream_ordering has had its push actions recorded. Events that existed before
      -- this migration are history: nobody is notified about them.
      CREATE TABLE event_push_actions_position (
        lock INTEGER PRIMARY KEY CHECK (lock = 1),
        stream_ordering INTEGER NOT NULL
      );
      INSERT INTO event_push_actions_position (lock, stream_ordering)
        VALUES (1, (SELECT COALESCE(MAX(stream_ordering), 0) FROM events));
    `);
  },
};
