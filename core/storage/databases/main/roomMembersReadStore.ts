/**
 * Membership reads. Two kinds of cache (SEED-BEHAVIOURS.md §1):
 * - by state group (`getJoinedUsersAtStateGroup`): immutable, leaves only by LRU; computed from the previous
 *   group's cached answer plus the state delta when possible, where only `m.room.member` deltas count;
 * - by current state (`getUsersInRoom`, `getRoomsForUser`, `isHostJoined`): invalidated by event persistence
 *   when member keys of the current state change.
 * Plus `local_current_membership` reads (§6), which survive the server leaving a room.
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction, TreeCachedFunction } from '../../cache/cachedFunction.ts';
import { applyMembershipDelta, joinedUsersOfState, type JoinedUsers, type MembershipDelta } from '../../../state/joinedUsers.ts';
import type { StateGroupsReadStore } from '../state/stateGroupsReadStore.ts';
import type { EventsReadStore } from './eventsReadStore.ts';
import type { RoomEvent } from '../../../events/roomEvent.ts';
import { domainOf } from '../../../events/identifiers.ts';
import { parseStateKey } from '../../../state/stateMap.ts';

export interface LocalMembership {
  readonly roomId: string;
  readonly eventId: string;
  readonly membership: string;
  readonly streamOrdering: number;
}

export class NotLocalUserError extends Error {
  override readonly name = 'NotLocalUserError';
}

export class RoomMembersReadStore {
  readonly getJoinedUsersAtStateGroup: CachedFunction<[stateGroup: number], JoinedUsers>;
  /** Joined users of the room's current state. */
  readonly getUsersInRoom: CachedFunction<[roomId: string], string[]>;
  /** Rooms where the user is joined (current state). */
  readonly getRoomsForUser: CachedFunction<[userId: string], string[]>;
  readonly isHostJoined: TreeCachedFunction<[roomId: string, host: string], boolean>;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
    private readonly serverName: string,
    private readonly events: EventsReadStore,
    private readonly stateGroups: StateGroupsReadStore,
  ) {
    this.getJoinedUsersAtStateGroup = caches.cached({ name: 'getJoinedUsersAtStateGroup', maxEntries: 1_000 }, (stateGroup: number) =>
      this.computeJoinedUsers(stateGroup),
    );
    this.getUsersInRoom = caches.cached({ name: 'getUsersInRoom', maxEntries: 5_000 }, (roomId: string) =>
      this.db
        .prepare("SELECT state_key FROM current_state_events WHERE room_id = ? AND type = 'm.room.member' AND membership = 'join' ORDER BY state_key")
        .pluck()
        .all(roomId) as string[],
    );
    this.getRoomsForUser = caches.cached({ name: 'getRoomsForUser', maxEntries: 5_000 }, (userId: string) =>
      this.db
        .prepare("SELECT room_id FROM current_state_events WHERE type = 'm.room.member' AND state_key = ? AND membership = 'join' ORDER BY room_id")
        .pluck()
        .all(userId) as string[],
    );
    this.isHostJoined = caches.cached({ name: 'isHostJoined', maxEntries: 5_000, tree: true }, (roomId: string, host: string) => {
      const members = this.db
        .prepare("SELECT state_key FROM current_state_events WHERE room_id = ? AND type = 'm.room.member' AND membership = 'join'")
        .pluck()
        .all(roomId) as string[];
      return members.some((userId) => domainOf(userId) === host);
    });
  }

  /**
   * The joined users at `stateGroup`, derived from `previousGroup`'s cached answer and the delta between the two
   * groups when that answer is cached (or cheap to build), and primed into the cache.
   */
  async getJoinedUsersAfterDelta(stateGroup: number, previousGroup: number, delta: MembershipDelta): Promise<JoinedUsers> {
    if (this.getJoinedUsersAtStateGroup.cache.isCached([stateGroup])) return this.getJoinedUsersAtStateGroup(stateGroup);
    const previous = await this.getJoinedUsersAtStateGroup(previousGroup);
    const memberEventIds = [...delta.toInsert].filter(([key]) => parseStateKey(key).type === 'm.room.member').map(([, id]) => id);
    const joined = applyMembershipDelta(previous, delta, await this.loadEvents(memberEventIds));
    this.getJoinedUsersAtStateGroup.prefill([stateGroup], joined);
    return joined;
  }

  /**
   * Rooms in which the local user's latest membership is one of `memberships`, from `local_current_membership`
   * (kept even after the server left the room). Forgotten rooms are hidden. Throws for remote users, whose
   * memberships this table never holds.
   */
  getRoomsForLocalUserWhereMembershipIs(userId: string, memberships: readonly string[]): LocalMembership[] {
    if (domainOf(userId) !== this.serverName) throw new NotLocalUserError(`${userId} is not a local user`);
    const rows = this.db
      .prepare(
        `SELECT l.room_id, l.event_id, l.membership, l.event_stream_ordering
         FROM local_current_membership l LEFT JOIN room_memberships m ON m.event_id = l.event_id
         WHERE l.user_id = ? AND l.membership IN (SELECT value FROM json_each(?)) AND COALESCE(m.forgotten, 0) = 0
         ORDER BY l.event_stream_ordering`,
      )
      .all(userId, JSON.stringify(memberships)) as { room_id: string; event_id: string; membership: string; event_stream_ordering: number }[];
    return rows.map((r) => ({ roomId: r.room_id, eventId: r.event_id, membership: r.membership, streamOrdering: r.event_stream_ordering }));
  }

  /** The local user's membership row in a room, or null. */
  getLocalMembership(userId: string, roomId: string): LocalMembership | null {
    const row = this.db
      .prepare('SELECT room_id, event_id, membership, event_stream_ordering FROM local_current_membership WHERE user_id = ? AND room_id = ?')
      .get(userId, roomId) as { room_id: string; event_id: string; membership: string; event_stream_ordering: number } | undefined;
    return row ? { roomId: row.room_id, eventId: row.event_id, membership: row.membership, streamOrdering: row.event_stream_ordering } : null;
  }

  /** Every row of `local_current_membership` for a room (for tests and purging). */
  localMembershipsInRoom(roomId: string): { userId: string; membership: string; eventId: string }[] {
    return (
      this.db.prepare('SELECT user_id, membership, event_id FROM local_current_membership WHERE room_id = ? ORDER BY user_id').all(roomId) as {
        user_id: string;
        membership: string;
        event_id: string;
      }[]
    ).map((r) => ({ userId: r.user_id, membership: r.membership, eventId: r.event_id }));
  }

  private async computeJoinedUsers(stateGroup: number): Promise<JoinedUsers> {
    const state = await this.stateGroups.getStateForGroup(stateGroup);
    const memberIds = [...state].filter(([key]) => parseStateKey(key).type === 'm.room.member').map(([, id]) => id);
    return joinedUsersOfState(state, await this.loadEvents(memberIds));
  }

  private async loadEvents(eventIds: readonly string[]): Promise<Map<string, RoomEvent>> {
    const stored = await this.events.getEvents(eventIds);
    const events = new Map<string, RoomEvent>();
    for (const [id, entry] of stored) if (entry) events.set(id, entry.event);
    return events;
  }
}
