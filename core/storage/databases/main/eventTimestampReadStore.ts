/** Finding a room's timeline events by their `origin_server_ts`, for `/timestamp_to_event`. */
import type { Database } from '../../engine/database.ts';

const IN_TIMELINE = 'e.outlier = 0 AND e.soft_failed = 0 AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.event_id = e.event_id)';

export class EventTimestampReadStore {
  constructor(private readonly db: Database) {}

  /** Events at or after (`f`) or at or before (`b`) `ts`, closest first. */
  closest(roomId: string, ts: number, direction: 'f' | 'b', limit: number, offset: number): { eventId: string; originServerTs: number }[] {
    const rows = this.db
      .prepare(
        direction === 'f'
          ? `SELECT e.event_id, e.origin_server_ts FROM events e WHERE e.room_id = ? AND e.origin_server_ts >= ? AND ${IN_TIMELINE}
             ORDER BY e.origin_server_ts ASC, e.stream_ordering ASC LIMIT ? OFFSET ?`
          : `SELECT e.event_id, e.origin_server_ts FROM events e WHERE e.room_id = ? AND e.origin_server_ts <= ? AND ${IN_TIMELINE}
             ORDER BY e.origin_server_ts DESC, e.stream_ordering DESC LIMIT ? OFFSET ?`,
      )
      .all(roomId, ts, limit, offset) as { event_id: string; origin_server_ts: number }[];
    return rows.map((r) => ({ eventId: r.event_id, originServerTs: r.origin_server_ts }));
  }
}
