/**
 * Who hears about device-list changes, from current-state membership: a local user's changes concern everyone
 * who shares a room with them (local users through /sync, other servers through outbound pokes), and a user
 * hears about the changes of everyone they share a room with. Also the membership changes in a window of the
 * events stream, from which /sync and /keys/changes learn who started or stopped sharing a room.
 */
import type { Database } from '../../engine/database.ts';
import { domainOf } from '../../../events/identifiers.ts';

export interface MembershipChange {
  readonly roomId: string;
  readonly userId: string;
  readonly membership: string;
  readonly streamOrdering: number;
}

export class DeviceListAudienceReadStore {
  constructor(
    private readonly db: Database,
    private readonly serverName: string,
  ) {}

  /** Everyone joined to a room the user is joined to (the user included, when joined anywhere). */
  usersSharingRoomWith(userId: string): string[] {
    return this.db
      .prepare(
        `SELECT DISTINCT b.state_key FROM current_state_events a
         JOIN current_state_events b ON b.room_id = a.room_id AND b.type = 'm.room.member' AND b.membership = 'join'
         WHERE a.type = 'm.room.member' AND a.state_key = ? AND a.membership = 'join'
         ORDER BY b.state_key`,
      )
      .pluck()
      .all(userId) as string[];
  }

  /** Other servers with a user joined to a room the user is joined to: where the user's device changes must go. */
  hostsSharingRoomWith(userId: string): string[] {
    const hosts = new Set<string>();
    for (const member of this.usersSharingRoomWith(userId)) {
      const host = domainOf(member);
      if (host !== null && host !== this.serverName) hosts.add(host);
    }
    return [...hosts].sort();
  }

  /**
   * Users whose device lists changed in (from, to] (device-list stream rows) and whom `userId` should hear about:
   * the user themself and everyone sharing a room with them now.
   */
  changedUsersVisibleTo(userId: string, from: number, to: number): string[] {
    if (to <= from) return [];
    return this.db
      .prepare(
        `SELECT DISTINCT d.user_id FROM device_lists_stream d
         WHERE d.stream_id > @from AND d.stream_id <= @to AND (
           d.user_id = @user OR EXISTS (
             SELECT 1 FROM current_state_events a
             JOIN current_state_events b ON b.room_id = a.room_id AND b.type = 'm.room.member' AND b.membership = 'join'
             WHERE a.type = 'm.room.member' AND a.state_key = @user AND a.membership = 'join' AND b.state_key = d.user_id
           )
         )
         ORDER BY d.user_id`,
      )
      .pluck()
      .all({ user: userId, from, to }) as string[];
  }

  /**
   * Membership events in (fromOrdering, toOrdering] of the events stream, in the rooms the user is joined to now
   * or whose own membership changed in that window, oldest first.
   */
  membershipChangesBetween(userId: string, fromOrdering: number, toOrdering: number): MembershipChange[] {
    if (toOrdering <= fromOrdering) return [];
    const rows = this.db
      .prepare(
        `SELECT room_id, user_id, membership, event_stream_ordering FROM room_memberships
         WHERE event_stream_ordering > @from AND event_stream_ordering <= @to AND room_id IN (
           SELECT room_id FROM current_state_events WHERE type = 'm.room.member' AND state_key = @user AND membership = 'join'
           UNION
           SELECT room_id FROM room_memberships WHERE user_id = @user AND event_stream_ordering > @from AND event_stream_ordering <= @to
         )
         ORDER BY event_stream_ordering`,
      )
      .all({ user: userId, from: fromOrdering, to: toOrdering }) as { room_id: string; user_id: string; membership: string; event_stream_ordering: number }[];
    return rows.map((r) => ({ roomId: r.room_id, userId: r.user_id, membership: r.membership, streamOrdering: r.event_stream_ordering }));
  }

  /** Rooms the user is joined to (current state). */
  joinedRoomsOf(userId: string): string[] {
    return this.db
      .prepare("SELECT room_id FROM current_state_events WHERE type = 'm.room.member' AND state_key = ? AND membership = 'join' ORDER BY room_id")
      .pluck()
      .all(userId) as string[];
  }

  /** Joined members of a room's current state. */
  joinedMembers(roomId: string): string[] {
    return this.db
      .prepare("SELECT state_key FROM current_state_events WHERE room_id = ? AND type = 'm.room.member' AND membership = 'join' ORDER BY state_key")
      .pluck()
      .all(roomId) as string[];
  }
}
