/**
 * Reading the relations index (eventContentIndexes.ts): the events related to an event (optionally by relation
 * and event type, recursing through relations of relations), thread summaries and thread lists, edits and
 * references for bundled aggregations, and whether a user already sent an annotation.
 */
import type { Database } from '../../engine/database.ts';

export interface RelationRow {
  readonly eventId: string;
  readonly relatesToId: string;
  readonly relType: string;
  readonly key: string | null;
  readonly roomId: string;
  readonly sender: string;
  readonly type: string;
  readonly streamOrdering: number;
  readonly originServerTs: number;
}

interface Row {
  event_id: string;
  relates_to_id: string;
  rel_type: string;
  aggregation_key: string | null;
  room_id: string;
  sender: string;
  type: string;
  stream_ordering: number;
  origin_server_ts: number;
}

export interface RelatedEventsQuery {
  readonly relType: string | null;
  readonly eventType: string | null;
  /** How deep to follow relations of relations (1: direct relations only). */
  readonly maxDepth: number;
  readonly direction: 'b' | 'f';
  /** Exclusive stream bounds: going back, events below `from`; going forward, events above it. */
  readonly from: number | null;
  readonly to: number | null;
  readonly limit: number;
}

export interface ThreadSummaryRow {
  readonly count: number;
  readonly latestEventId: string;
}

export interface ThreadListEntry {
  readonly rootId: string;
  /** Stream position of the thread's latest event. */
  readonly latestStream: number;
}

const COLUMNS = 'r.event_id, r.relates_to_id, r.rel_type, r.aggregation_key, r.room_id, r.sender, r.type, r.stream_ordering, r.origin_server_ts';

function toRelation(row: Row): RelationRow {
  return {
    eventId: row.event_id,
    relatesToId: row.relates_to_id,
    relType: row.rel_type,
    key: row.aggregation_key,
    roomId: row.room_id,
    sender: row.sender,
    type: row.type,
    streamOrdering: row.stream_ordering,
    originServerTs: row.origin_server_ts,
  };
}

export class EventRelationsReadStore {
  constructor(private readonly db: Database) {}

  /** The relation an event declares, if it was indexed. */
  relationOf(eventId: string): RelationRow | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM event_relations r WHERE r.event_id = ?`).get(eventId) as Row | undefined;
    return row ? toRelation(row) : null;
  }

  /** A page of the events related to `eventId`, newest first going back. */
  relatedEvents(eventId: string, roomId: string, query: RelatedEventsQuery): RelationRow[] {
    const params: Record<string, string | number> = { eventId, roomId, maxDepth: query.maxDepth, limit: query.limit };
    const conditions = ['r.room_id = @roomId'];
    if (query.relType !== null) {
      conditions.push('r.rel_type = @relType');
      params.relType = query.relType;
    }
    if (query.eventType !== null) {
      conditions.push('r.type = @eventType');
      params.eventType = query.eventType;
    }
    const backward = query.direction === 'b';
    if (query.from !== null) {
      conditions.push(backward ? 'r.stream_ordering < @from' : 'r.stream_ordering > @from');
      params.from = query.from;
    }
    if (query.to !== null) {
      conditions.push(backward ? 'r.stream_ordering > @to' : 'r.stream_ordering < @to');
      params.to = query.to;
    }
    const rows = this.db
      .prepare(
        `WITH RECURSIVE related (event_id, depth) AS (
           SELECT event_id, 1 FROM event_relations WHERE relates_to_id = @eventId
           UNION
           SELECT child.event_id, related.depth + 1 FROM event_relations child JOIN related ON child.relates_to_id = related.event_id
           WHERE related.depth < @maxDepth
         )
         SELECT DISTINCT ${COLUMNS} FROM related JOIN event_relations r ON r.event_id = related.event_id
         WHERE ${conditions.join(' AND ')}
         ORDER BY r.stream_ordering ${backward ? 'DESC' : 'ASC'} LIMIT @limit`,
      )
      .all(params) as Row[];
    return rows.map(toRelation);
  }

  /** Direct relations of one type to any of `eventIds`, oldest first. */
  relationsTo(eventIds: readonly string[], relType: string): RelationRow[] {
    if (eventIds.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM event_relations r
         WHERE r.relates_to_id IN (SELECT value FROM json_each(?)) AND r.rel_type = ? ORDER BY r.stream_ordering`,
      )
      .all(JSON.stringify(eventIds), relType) as Row[];
    return rows.map(toRelation);
  }

  /** For each thread root among `rootIds`: how many events the thread has and its latest one. */
  threadSummaries(rootIds: readonly string[]): Map<string, ThreadSummaryRow> {
    const result = new Map<string, ThreadSummaryRow>();
    if (rootIds.length === 0) return result;
    const rows = this.db
      .prepare(
        `SELECT r.relates_to_id AS root, COUNT(*) AS count,
                (SELECT l.event_id FROM event_relations l WHERE l.relates_to_id = r.relates_to_id AND l.rel_type = 'm.thread'
                 ORDER BY l.stream_ordering DESC LIMIT 1) AS latest
         FROM event_relations r
         WHERE r.relates_to_id IN (SELECT value FROM json_each(?)) AND r.rel_type = 'm.thread'
         GROUP BY r.relates_to_id`,
      )
      .all(JSON.stringify(rootIds)) as { root: string; count: number; latest: string }[];
    for (const row of rows) result.set(row.root, { count: row.count, latestEventId: row.latest });
    return result;
  }

  /** Of `rootIds`, the threads `userId` sent an event in. */
  threadsWithEventsFrom(rootIds: readonly string[], userId: string): Set<string> {
    if (rootIds.length === 0) return new Set();
    return new Set(
      this.db
        .prepare(
          `SELECT DISTINCT relates_to_id FROM event_relations
           WHERE relates_to_id IN (SELECT value FROM json_each(?)) AND rel_type = 'm.thread' AND sender = ?`,
        )
        .pluck()
        .all(JSON.stringify(rootIds), userId) as string[],
    );
  }

  /**
   * Threads of a room by latest activity, newest first, below the stream position `before` (exclusive).
   * With `participant`, only threads that user started or sent an event in.
   */
  threads(roomId: string, options: { before: number | null; limit: number; participant: string | null }): ThreadListEntry[] {
    const params: Record<string, string | number> = { roomId, limit: options.limit };
    const having: string[] = [];
    if (options.before !== null) {
      having.push('latest < @before');
      params.before = options.before;
    }
    let participation = '';
    if (options.participant !== null) {
      params.participant = options.participant;
      participation = `AND (r.relates_to_id IN (SELECT p.relates_to_id FROM event_relations p WHERE p.room_id = @roomId AND p.rel_type = 'm.thread' AND p.sender = @participant)
                        OR EXISTS (SELECT 1 FROM events root WHERE root.event_id = r.relates_to_id AND root.sender = @participant))`;
    }
    const rows = this.db
      .prepare(
        `SELECT r.relates_to_id AS root, MAX(r.stream_ordering) AS latest FROM event_relations r
         WHERE r.room_id = @roomId AND r.rel_type = 'm.thread' ${participation}
         GROUP BY r.relates_to_id ${having.length ? `HAVING ${having.join(' AND ')}` : ''}
         ORDER BY latest DESC LIMIT @limit`,
      )
      .all(params) as { root: string; latest: number }[];
    return rows.map((r) => ({ rootId: r.root, latestStream: r.latest }));
  }

  /** Whether `sender` already annotated `targetId` with this key and event type (a duplicate reaction). */
  hasAnnotation(targetId: string, sender: string, eventType: string, key: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM event_relations WHERE relates_to_id = ? AND rel_type = 'm.annotation' AND sender = ? AND type = ? AND aggregation_key = ? LIMIT 1`,
        )
        .get(targetId, sender, eventType, key) !== undefined
    );
  }
}
