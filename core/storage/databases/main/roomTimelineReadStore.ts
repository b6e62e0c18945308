/**
 * Paging through a room's timeline for /messages and /context. A topological position `(depth, stream)` is the
 * boundary right after that event: going back from it includes the event, going forward excludes it. A stream
 * position orders by stream ordering alone (as tokens from /sync do). Outliers, rejected and soft-failed events
 * are not part of the timeline.
 */
import type { Database } from '../../engine/database.ts';

export interface TimelinePosition {
  readonly stream: number;
  /** Depth, for topological positions; null orders by stream alone. */
  readonly topological: number | null;
}

export interface TimelineRow {
  readonly eventId: string;
  readonly depth: number;
  readonly stream: number;
}

export interface PageQuery {
  readonly direction: 'b' | 'f';
  readonly from: TimelinePosition | null;
  readonly to: TimelinePosition | null;
  readonly limit: number;
}

const IN_TIMELINE = 'e.outlier = 0 AND e.soft_failed = 0 AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.event_id = e.event_id)';

export class RoomTimelineReadStore {
  constructor(private readonly db: Database) {}

  page(roomId: string, query: PageQuery): TimelineRow[] {
    const conditions = ['e.room_id = @roomId', IN_TIMELINE];
    const params: Record<string, number | string> = { roomId, limit: query.limit };
    const backward = query.direction === 'b';
    const bound = (position: TimelinePosition, prefix: string, inclusiveBelow: boolean) => {
      params[`${prefix}s`] = position.stream;
      if (position.topological === null) return `e.stream_ordering ${inclusiveBelow ? '<=' : '>'} @${prefix}s`;
      params[`${prefix}d`] = position.topological;
      return inclusiveBelow
        ? `(e.depth < @${prefix}d OR (e.depth = @${prefix}d AND e.stream_ordering <= @${prefix}s))`
        : `(e.depth > @${prefix}d OR (e.depth = @${prefix}d AND e.stream_ordering > @${prefix}s))`;
    };
    if (query.from) conditions.push(bound(query.from, 'from', backward));
    if (query.to) conditions.push(bound(query.to, 'to', !backward));
    const reference = query.from ?? query.to;
    const topological = reference !== null && reference.topological !== null;
    const order = topological ? (backward ? 'e.depth DESC, e.stream_ordering DESC' : 'e.depth ASC, e.stream_ordering ASC') : backward ? 'e.stream_ordering DESC' : 'e.stream_ordering ASC';
    const rows = this.db
      .prepare(`SELECT e.event_id, e.depth, e.stream_ordering FROM events e WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT @limit`)
      .all(params) as { event_id: string; depth: number; stream_ordering: number }[];
    return rows.map((r) => ({ eventId: r.event_id, depth: r.depth, stream: r.stream_ordering }));
  }

  position(eventId: string): { depth: number; stream: number } | null {
    const row = this.db.prepare('SELECT depth, stream_ordering FROM events WHERE event_id = ?').get(eventId) as { depth: number; stream_ordering: number } | undefined;
    return row ? { depth: row.depth, stream: row.stream_ordering } : null;
  }

  /** The latest timeline position of a room (for /messages without `from`, going back). */
  latestPosition(roomId: string): { depth: number; stream: number } | null {
    const row = this.db
      .prepare(`SELECT e.depth, e.stream_ordering FROM events e WHERE e.room_id = ? AND ${IN_TIMELINE} ORDER BY e.depth DESC, e.stream_ordering DESC LIMIT 1`)
      .get(roomId) as { depth: number; stream_ordering: number } | undefined;
    return row ? { depth: row.depth, stream: row.stream_ordering } : null;
  }
}
