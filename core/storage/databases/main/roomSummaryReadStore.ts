/**
 * The membership facts of a room's current state that /sync's room summary needs: joined and invited counts
 * and the first members by stream order (hero candidates). Cached per room; the entry is dropped whenever a
 * member key of the room's current state changes (`current_state_membership` invalidations, SEED-BEHAVIOURS.md
 * §1), so it never goes stale and costs nothing between membership changes.
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';

export interface RoomMemberSummary {
  readonly joinedCount: number;
  readonly invitedCount: number;
  /** Joined or invited users, oldest membership first; one more than a summary shows, so the viewer can be left out. */
  readonly activeMembers: readonly string[];
  /** Users who left or were banned, oldest first (heroes when nobody else is there). */
  readonly formerMembers: readonly string[];
}

/** Heroes a summary lists (the spec's "first 5 members"). */
export const SUMMARY_HERO_COUNT = 5;

export class RoomSummaryReadStore {
  readonly getRoomMemberSummary: CachedFunction<[roomId: string], RoomMemberSummary>;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
  ) {
    this.getRoomMemberSummary = caches.cached({ name: 'getRoomMemberSummary', maxEntries: 5_000 }, (roomId: string) => this.query(roomId));
  }

  private query(roomId: string): RoomMemberSummary {
    const counts = this.db
      .prepare("SELECT membership, COUNT(*) AS n FROM current_state_events WHERE room_id = ? AND type = 'm.room.member' GROUP BY membership")
      .all(roomId) as { membership: string | null; n: number }[];
    const count = (membership: string) => counts.find((c) => c.membership === membership)?.n ?? 0;
    const firstMembers = (memberships: readonly string[]) =>
      this.db
        .prepare(
          `SELECT c.state_key FROM current_state_events c LEFT JOIN room_memberships m ON m.event_id = c.event_id
           WHERE c.room_id = ? AND c.type = 'm.room.member' AND c.membership IN (SELECT value FROM json_each(?))
           ORDER BY m.event_stream_ordering, c.state_key LIMIT ?`,
        )
        .pluck()
        .all(roomId, JSON.stringify(memberships), SUMMARY_HERO_COUNT + 1) as string[];
    return {
      joinedCount: count('join'),
      invitedCount: count('invite'),
      activeMembers: firstMembers(['join', 'invite']),
      formerMembers: firstMembers(['leave', 'ban']),
    };
  }
}
