/**
 * Reading rooms' events by events-stream position, as /sync needs them: which rooms had events in a range, a
 * room's timeline events in a range (newest first), the state group in force at a stream position, and a user's
 * membership at a position. The timeline excludes outliers, soft-failed and rejected events.
 */
import type { Database } from '../../engine/database.ts';

export interface StreamEventRef {
  readonly eventId: string;
  readonly streamOrdering: number;
}

const IN_TIMELINE = 'e.outlier = 0 AND e.soft_failed = 0 AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.event_id = e.event_id)';

/** Event types the default unread count counts (what clients show as messages). */
export const UNREAD_COUNTED_TYPES: readonly string[] = ['m.room.message', 'm.room.encrypted', 'm.sticker'];

export class SyncEventsReadStore {
  constructor(private readonly db: Database) {}

  /** Rooms with timeline events in (from, to]. */
  roomsWithEventsBetween(from: number, to: number): Set<string> {
    if (to <= from) return new Set();
    const rows = this.db
      .prepare('SELECT DISTINCT e.room_id FROM events e WHERE e.stream_ordering > ? AND e.stream_ordering <= ? AND e.outlier = 0')
      .pluck()
      .all(from, to) as string[];
    return new Set(rows);
  }

  /** Up to `limit` timeline events of the room in (after, upTo], newest first; `after` null means from the start. */
  timelineEventsBefore(roomId: string, after: number | null, upTo: number, limit: number): StreamEventRef[] {
    const rows = this.db
      .prepare(
        `SELECT e.event_id, e.stream_ordering FROM events e
         WHERE e.room_id = ? AND e.stream_ordering <= ? AND e.stream_ordering > ? AND ${IN_TIMELINE}
         ORDER BY e.stream_ordering DESC LIMIT ?`,
      )
      .all(roomId, upTo, after ?? Number.MIN_SAFE_INTEGER, limit) as { event_id: string; stream_ordering: number }[];
    return rows.map((r) => ({ eventId: r.event_id, streamOrdering: r.stream_ordering }));
  }

  /**
   * The state group after the room's last event at or below `position` (the room's state at that point of the
   * stream), or null when the room had no such event.
   */
  stateGroupAt(roomId: string, position: number): number | null {
    return (
      (this.db
        .prepare(
          `SELECT e.state_group FROM events e
           WHERE e.room_id = ? AND e.stream_ordering <= ? AND e.outlier = 0 AND e.soft_failed = 0 AND e.state_group IS NOT NULL
           ORDER BY e.stream_ordering DESC LIMIT 1`,
        )
        .pluck()
        .get(roomId, position) as number | undefined) ?? null
    );
  }

  /** The membership of the user's latest member event in the room at or below `position`, or null. */
  membershipAt(userId: string, roomId: string, position: number): string | null {
    return (
      (this.db
        .prepare(
          `SELECT membership FROM room_memberships WHERE user_id = ? AND room_id = ? AND event_stream_ordering <= ?
           ORDER BY event_stream_ordering DESC LIMIT 1`,
        )
        .pluck()
        .get(userId, roomId, position) as string | undefined) ?? null
    );
  }

  /** The user's latest member event in the room at or below `position`, or null. */
  membershipEventAt(userId: string, roomId: string, position: number): { eventId: string; membership: string; streamOrdering: number } | null {
    const row = this.db
      .prepare(
        `SELECT event_id, membership, event_stream_ordering FROM room_memberships WHERE user_id = ? AND room_id = ? AND event_stream_ordering <= ?
         ORDER BY event_stream_ordering DESC LIMIT 1`,
      )
      .get(userId, roomId, position) as { event_id: string; membership: string; event_stream_ordering: number } | undefined;
    return row ? { eventId: row.event_id, membership: row.membership, streamOrdering: row.event_stream_ordering } : null;
  }

  /** The memberships the user went through in the room in (after, upTo], oldest first. */
  membershipsBetween(userId: string, roomId: string, after: number, upTo: number): string[] {
    return this.db
      .prepare(
        `SELECT membership FROM room_memberships WHERE user_id = ? AND room_id = ? AND event_stream_ordering > ? AND event_stream_ordering <= ?
         ORDER BY event_stream_ordering`,
      )
      .pluck()
      .all(userId, roomId, after, upTo) as string[];
  }

  /** Whether the user ever had a `join` membership in the room at or below `upTo`. */
  everJoined(userId: string, roomId: string, upTo: number): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM room_memberships WHERE user_id = ? AND room_id = ? AND membership = 'join' AND event_stream_ordering <= ? LIMIT 1")
        .get(userId, roomId, upTo) !== undefined
    );
  }

  /** Message-like timeline events (UNREAD_COUNTED_TYPES) in (after, upTo] not sent by `userId`. */
  countMessagesFromOthers(roomId: string, userId: string, after: number, upTo: number): number {
    return this.db
      .prepare(
        `SELECT COUNT(*) FROM events e
         WHERE e.room_id = ? AND e.stream_ordering > ? AND e.stream_ordering <= ? AND e.sender != ?
           AND e.type IN (SELECT value FROM json_each(?)) AND ${IN_TIMELINE}`,
      )
      .pluck()
      .get(roomId, after, upTo, userId, JSON.stringify(UNREAD_COUNTED_TYPES)) as number;
  }
}
