/**
 * Push actions recorded for events: one row per (user, event) whose push rules said notify, with whether it
 * highlights and which thread it belongs to; each user's latest own event per room; and the events-stream position
 * up to which actions are recorded. Unread counts and the `read` flag of /notifications are measured against the
 * user's read position in a room: the later of their latest `m.read` / `m.read.private` receipt (unthreaded, or
 * of the event's thread) and their own latest event there (sending counts as reading).
 */
import type { JsonValue } from '../../../crypto/canonicalJson.ts';
import type { Database } from '../../engine/database.ts';

export const MAIN_THREAD = 'main';

export interface PushActionRow {
  readonly userId: string;
  readonly eventId: string;
  readonly roomId: string;
  readonly streamOrdering: number;
  readonly threadId: string;
  readonly actions: readonly JsonValue[];
  readonly highlight: boolean;
}

export interface NotificationRow {
  readonly eventId: string;
  readonly roomId: string;
  readonly streamOrdering: number;
  readonly actions: JsonValue[];
  readonly highlight: boolean;
  readonly read: boolean;
  readonly receivedTs: number;
}

export interface UnreadCounts {
  readonly notificationCount: number;
  readonly highlightCount: number;
}

/** Where a user has read up to in a room: unthreaded (receipts without a thread, or their own latest event) and per thread. */
export interface ReadPositions {
  readonly unthreaded: number;
  readonly byThread: ReadonlyMap<string, number>;
}

const NOTHING_READ = Number.MIN_SAFE_INTEGER;

export class EventPushActionsStore {
  constructor(private readonly db: Database) {}

  /** Writes rows (once per user and event; a repeat is ignored). Call inside a transaction. */
  insertActions(rows: readonly PushActionRow[], now: number): void {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO event_push_actions (user_id, event_id, room_id, stream_ordering, thread_id, actions, notif, highlight, inserted_ts)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
    );
    for (const row of rows) insert.run(row.userId, row.eventId, row.roomId, row.streamOrdering, row.threadId, JSON.stringify(row.actions), row.highlight ? 1 : 0, now);
  }

  /** Drops the actions of redacted events (a redacted message no longer counts). */
  deleteActionsForEvents(eventIds: readonly string[]): void {
    if (eventIds.length === 0) return;
    this.db.prepare('DELETE FROM event_push_actions WHERE event_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(eventIds));
  }

  /** Notes a local user's own event in a room (never moves backwards). */
  recordSent(userId: string, roomId: string, streamOrdering: number): void {
    this.db
      .prepare(
        `INSERT INTO event_push_last_sent (user_id, room_id, stream_ordering) VALUES (?, ?, ?)
         ON CONFLICT (user_id, room_id) DO UPDATE SET stream_ordering = MAX(stream_ordering, excluded.stream_ordering)`,
      )
      .run(userId, roomId, streamOrdering);
  }

  /** Every event at or below this position has had its actions recorded. */
  getRecordedPosition(): number {
    return (this.db.prepare('SELECT stream_ordering FROM event_push_actions_position WHERE lock = 1').pluck().get() as number | undefined) ?? 0;
  }

  /** Moves the recorded position forward (never back). Call inside a transaction. */
  advanceRecordedPosition(position: number): void {
    this.db
      .prepare(
        `INSERT INTO event_push_actions_position (lock, stream_ordering) VALUES (1, ?)
         ON CONFLICT (lock) DO UPDATE SET stream_ordering = MAX(stream_ordering, excluded.stream_ordering)`,
      )
      .run(position);
  }

  /** Live, non-outlier event IDs with stream orderings in (from, to], oldest first, at most `limit`. */
  getEventIdsToRecord(from: number, to: number, limit: number): { eventId: string; streamOrdering: number }[] {
    return (
      this.db
        .prepare('SELECT event_id, stream_ordering FROM events WHERE stream_ordering > ? AND stream_ordering <= ? AND outlier = 0 ORDER BY stream_ordering LIMIT ?')
        .all(from, to, limit) as { event_id: string; stream_ordering: number }[]
    ).map((r) => ({ eventId: r.event_id, streamOrdering: r.stream_ordering }));
  }

  /** The user's read positions in a room, from `m.read` / `m.read.private` receipts and their own latest event. */
  getReadPositions(userId: string, roomId: string): ReadPositions {
    const receipts = this.db
      .prepare(
        `SELECT r.thread_id, MAX(e.stream_ordering) AS pos
           FROM receipts_linearized r JOIN events e ON e.event_id = r.event_id
          WHERE r.user_id = ? AND r.room_id = ? AND r.receipt_type IN ('m.read', 'm.read.private')
          GROUP BY r.thread_id`,
      )
      .all(userId, roomId) as { thread_id: string | null; pos: number }[];
    const sent = this.db.prepare('SELECT stream_ordering FROM event_push_last_sent WHERE user_id = ? AND room_id = ?').pluck().get(userId, roomId) as
      | number
      | undefined;
    let unthreaded = sent ?? NOTHING_READ;
    const byThread = new Map<string, number>();
    for (const { thread_id, pos } of receipts) {
      if (thread_id === null) unthreaded = Math.max(unthreaded, pos);
      else byThread.set(thread_id, pos);
    }
    return { unthreaded, byThread };
  }

  /** Notifying and highlighting events after the user's read position in the room (per thread). */
  getUnreadCounts(userId: string, roomId: string): UnreadCounts {
    const positions = this.getReadPositions(userId, roomId);
    const mainFloor = Math.max(positions.unthreaded, positions.byThread.get(MAIN_THREAD) ?? NOTHING_READ);
    const main = this.db
      .prepare(
        `SELECT COUNT(*) AS notifs, COALESCE(SUM(highlight), 0) AS highlights FROM event_push_actions
          WHERE user_id = ? AND room_id = ? AND thread_id = 'main' AND stream_ordering > ? AND notif = 1`,
      )
      .get(userId, roomId, mainFloor) as { notifs: number; highlights: number };
    let notificationCount = main.notifs;
    let highlightCount = main.highlights;
    const inThreads = this.db
      .prepare(
        `SELECT thread_id, stream_ordering, highlight FROM event_push_actions
          WHERE user_id = ? AND room_id = ? AND thread_id <> 'main' AND stream_ordering > ? AND notif = 1`,
      )
      .all(userId, roomId, positions.unthreaded) as { thread_id: string; stream_ordering: number; highlight: number }[];
    for (const row of inThreads) {
      if (row.stream_ordering <= (positions.byThread.get(row.thread_id) ?? NOTHING_READ)) continue;
      notificationCount++;
      highlightCount += row.highlight;
    }
    return { notificationCount, highlightCount };
  }

  /** The user's notifications, newest first, before stream ordering `before` (exclusive) when given. */
  getNotifications(userId: string, options: { before: number | null; limit: number; onlyHighlight: boolean }): NotificationRow[] {
    const rows = this.db
      .prepare(
        `SELECT a.event_id, a.room_id, a.stream_ordering, a.thread_id, a.actions, a.highlight, e.received_ts
           FROM event_push_actions a JOIN events e ON e.event_id = a.event_id
          WHERE a.user_id = ? AND a.stream_ordering < ? AND a.notif = 1 ${options.onlyHighlight ? 'AND a.highlight = 1' : ''}
          ORDER BY a.stream_ordering DESC
          LIMIT ?`,
      )
      .all(userId, options.before ?? Number.MAX_SAFE_INTEGER, options.limit) as {
      event_id: string;
      room_id: string;
      stream_ordering: number;
      thread_id: string;
      actions: string;
      highlight: number;
      received_ts: number;
    }[];
    const positionsByRoom = new Map<string, ReadPositions>();
    return rows.map((r) => {
      let positions = positionsByRoom.get(r.room_id);
      if (!positions) positionsByRoom.set(r.room_id, (positions = this.getReadPositions(userId, r.room_id)));
      const read = r.stream_ordering <= positions.unthreaded || r.stream_ordering <= (positions.byThread.get(r.thread_id) ?? NOTHING_READ);
      return {
        eventId: r.event_id,
        roomId: r.room_id,
        streamOrdering: r.stream_ordering,
        actions: JSON.parse(r.actions) as JsonValue[],
        highlight: r.highlight === 1,
        read,
        receivedTs: r.received_ts,
      };
    });
  }
}
