/**
 * The auth DAG as stored: `event_auth` edges and `events.depth`, read in batches for state resolution (it is the
 * AuthChainSource of core/state). One query per batch, the IDs passed as one JSON array through `json_each`, so
 * a batch of any size costs one statement. Served by the `events.event_id` unique index and the
 * `event_auth (stream_ordering, auth_id)` primary key, reached from event IDs through `events`.
 */
import type { Database } from '../../engine/database.ts';
import type { AuthChainSource, AuthEdges } from '../../../state/authChainSource.ts';

interface AuthEdgeRow {
  event_id: string;
  depth: number;
  auth_id: string | null;
}

export class EventAuthReadStore implements AuthChainSource {
  constructor(private readonly db: Database) {}

  /** The depth and auth event IDs of each stored event of `eventIds`; events not stored are absent. */
  async getAuthEdges(eventIds: readonly string[]): Promise<Map<string, AuthEdges>> {
    const result = new Map<string, { depth: number; authEventIds: string[] }>();
    if (eventIds.length === 0) return result;
    const rows = this.db
      .prepare(
        `SELECT e.event_id, e.depth, a.auth_id
         FROM events e LEFT JOIN event_auth a ON a.stream_ordering = e.stream_ordering
         WHERE e.event_id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(eventIds)) as AuthEdgeRow[];
    for (const row of rows) {
      let entry = result.get(row.event_id);
      if (!entry) {
        entry = { depth: row.depth, authEventIds: [] };
        result.set(row.event_id, entry);
      }
      if (row.auth_id !== null) entry.authEventIds.push(row.auth_id);
    }
    return result;
  }

  /**
   * The auth chain of `eventIds` in one recursive query: every event reachable through `event_auth`, without the
   * given events themselves unless one reaches another. Edges to events never stored are followed by ID only.
   */
  async getAuthChain(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const ids = this.db
      .prepare(
        `WITH RECURSIVE chain(event_id) AS (
           SELECT a.auth_id FROM events e JOIN event_auth a ON a.stream_ordering = e.stream_ordering
           WHERE e.event_id IN (SELECT value FROM json_each(?))
           UNION
           SELECT a.auth_id FROM chain c JOIN events e ON e.event_id = c.event_id JOIN event_auth a ON a.stream_ordering = e.stream_ordering
         )
         SELECT event_id FROM chain`,
      )
      .pluck()
      .all(JSON.stringify(eventIds)) as string[];
    return new Set(ids);
  }

  /** Of `eventIds`, those stored as rejected (state resolution never uses them as auth events). */
  async getRejectedEventIds(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const ids = this.db
      .prepare('SELECT event_id FROM rejections WHERE event_id IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(JSON.stringify(eventIds)) as string[];
    return new Set(ids);
  }
}
