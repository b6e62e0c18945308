/**
 * Full-text search over the index written with events (eventContentIndexes.ts): FTS5 matches restricted to
 * rooms and keys, by rank (bm25) or most recent first, with offsets or stream positions to page on.
 */
import type { Database } from '../../engine/database.ts';

export interface SearchHit {
  readonly eventId: string;
  readonly roomId: string;
  readonly key: string;
  readonly streamOrdering: number;
  /** bm25 relevance: lower is better (FTS5's convention). */
  readonly rank: number;
}

export interface SearchQuery {
  /** An FTS5 match expression (built from the user's words by the search handler). */
  readonly match: string;
  readonly roomIds: readonly string[];
  readonly keys: readonly string[];
  readonly order: 'rank' | 'recent';
  readonly limit: number;
  /** For `rank`: how many hits to skip. */
  readonly offset: number;
  /** For `recent`: only hits below this stream position. */
  readonly before: number | null;
}

export interface SenderRestriction {
  readonly senders: readonly string[] | null;
  readonly notSenders: readonly string[] | null;
}

export class EventSearchReadStore {
  constructor(private readonly db: Database) {}

  search(query: SearchQuery): SearchHit[] {
    if (query.roomIds.length === 0 || query.keys.length === 0) return [];
    const params: Record<string, string | number> = {
      match: query.match,
      rooms: JSON.stringify(query.roomIds),
      keys: JSON.stringify(query.keys),
      limit: query.limit,
      offset: query.order === 'rank' ? query.offset : 0,
    };
    let bound = '';
    if (query.order === 'recent' && query.before !== null) {
      bound = 'AND m.stream_ordering < @before';
      params.before = query.before;
    }
    const order = query.order === 'rank' ? 's.rank, m.stream_ordering DESC' : 'm.stream_ordering DESC';
    const rows = this.db
      .prepare(
        `SELECT m.event_id, m.room_id, m.key, m.stream_ordering, s.rank
         FROM event_search s JOIN event_search_entries m ON m.stream_ordering = s.rowid
         WHERE event_search MATCH @match AND m.room_id IN (SELECT value FROM json_each(@rooms)) AND m.key IN (SELECT value FROM json_each(@keys)) ${bound}
         ORDER BY ${order} LIMIT @limit OFFSET @offset`,
      )
      .all(params) as { event_id: string; room_id: string; key: string; stream_ordering: number; rank: number }[];
    return rows.map((r) => ({ eventId: r.event_id, roomId: r.room_id, key: r.key, streamOrdering: r.stream_ordering, rank: r.rank }));
  }

  /** How many entries match in these rooms and keys, from these senders and not those (null: any); before visibility. */
  count(match: string, roomIds: readonly string[], keys: readonly string[], senders: SenderRestriction = { senders: null, notSenders: null }): number {
    if (roomIds.length === 0 || keys.length === 0) return 0;
    const params: Record<string, string> = { match, rooms: JSON.stringify(roomIds), keys: JSON.stringify(keys) };
    // Only the clauses in use: an always-true `@x IS NULL OR ...` would still cost its evaluation on every match.
    let bySender = '';
    if (senders.senders !== null) {
      bySender += ' AND m.sender IN (SELECT value FROM json_each(@senders))';
      params.senders = JSON.stringify(senders.senders);
    }
    if (senders.notSenders !== null) {
      bySender += ' AND m.sender NOT IN (SELECT value FROM json_each(@notSenders))';
      params.notSenders = JSON.stringify(senders.notSenders);
    }
    return this.db
      .prepare(
        `SELECT COUNT(*) FROM event_search s JOIN event_search_entries m ON m.stream_ordering = s.rowid
         WHERE event_search MATCH @match AND m.room_id IN (SELECT value FROM json_each(@rooms)) AND m.key IN (SELECT value FROM json_each(@keys))${bySender}`,
      )
      .pluck()
      .get(params) as number;
  }
}
