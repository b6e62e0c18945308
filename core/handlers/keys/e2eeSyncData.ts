/**
 * What /sync needs from end-to-end encryption, in one place for the sync handler to call:
 * - `device_lists` (incremental syncs): users whose devices or cross-signing keys changed and who share a room
 *   with the user (the user included), plus those who started sharing a room; `left`: users who no longer
 *   share any room with the user;
 * - `device_one_time_keys_count` and `device_unused_fallback_key_types` of the syncing device;
 * - `to_device`: the device's inbox after its `since` position, and acknowledging what it has received.
 * Positions are those of the `device_lists` and `to_device` slots of sync tokens (Streams.deviceLists and
 * Streams.toDevice). Writers wake waiting syncs through the notifier under the stream names
 * DEVICE_LISTS_STREAM and TO_DEVICE_STREAM.
 *
 * "Sharing a room" uses every room the users are joined to (the spec's note allows this superset of
 * encrypted rooms).
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { MembershipChange } from '../../storage/databases/main/deviceListAudienceReadStore.ts';
import { oneTimeKeyCounts } from './oneTimeKeyCounts.ts';

export interface DeviceListChanges {
  changed: string[];
  left: string[];
}

/**
 * What is known about who started or stopped sharing rooms with the user in the same window:
 * - `events`: the window of the events stream (`since.events`, `now.events`]; membership changes in it give
 *   the full answer (others joining or leaving the user's rooms included);
 * - `rooms`: only the rooms the user themself joined or left in the window (what SyncStreamContext carries).
 */
export type RoomSharingChanges =
  | { readonly kind: 'events'; readonly from: number; readonly to: number }
  | { readonly kind: 'rooms'; readonly joined: readonly string[]; readonly left: readonly string[] };

export interface ToDeviceBatch {
  /** `{type, sender, content}` events, oldest first. */
  events: JsonObject[];
  /** The to-device position this batch covers up to: the last message's when cut by `limit`, else `upTo`. */
  nextPosition: number;
}

/** Limit the spec recommends for to-device messages per /sync response. */
export const TO_DEVICE_LIMIT_PER_SYNC = 100;

const SHARING = new Set(['join', 'invite']);
const NOT_SHARING = new Set(['leave', 'ban']);

export class E2eeSyncData {
  constructor(private readonly stores: DataStores) {}

  /** The device-list stream position a new `next_batch` carries. */
  currentDeviceListPosition(): number {
    return this.stores.streams.deviceLists.getCurrentToken();
  }

  /** The to-device stream position a new `next_batch` carries. */
  currentToDevicePosition(): number {
    return this.stores.streams.toDevice.getCurrentToken();
  }

  /**
   * `device_lists` for (fromDeviceListPosition, toPosition]. Without `sharing`, only device and key changes are
   * reported (no one is added for starting to share a room, and `left` stays empty).
   */
  deviceListChanges(userId: string, fromDeviceListPosition: number, toPosition: number, sharing?: RoomSharingChanges): DeviceListChanges {
    const { deviceListAudience: audience, crossSigningKeys } = this.stores;
    const changed = new Set(audience.changedUsersVisibleTo(userId, fromDeviceListPosition, toPosition));
    // The user's own signatures of others' keys (and their user-signing key) are visible to them alone.
    for (const signed of crossSigningKeys.usersSignedBetween(userId, fromDeviceListPosition, toPosition)) changed.add(signed);

    const maybeLeft = new Set<string>();
    if (sharing?.kind === 'events') {
      const joinedRooms = new Set(audience.joinedRoomsOf(userId));
      for (const change of latestPerMember(audience.membershipChangesBetween(userId, sharing.from, sharing.to))) {
        if (change.userId === userId) {
          if (change.membership === 'join' && joinedRooms.has(change.roomId)) for (const member of audience.joinedMembers(change.roomId)) changed.add(member);
          else if (NOT_SHARING.has(change.membership) && !joinedRooms.has(change.roomId)) for (const member of audience.joinedMembers(change.roomId)) maybeLeft.add(member);
        } else if (SHARING.has(change.membership) && joinedRooms.has(change.roomId)) {
          changed.add(change.userId);
        } else if (NOT_SHARING.has(change.membership)) {
          maybeLeft.add(change.userId);
        }
      }
    } else if (sharing?.kind === 'rooms') {
      for (const roomId of sharing.joined) for (const member of audience.joinedMembers(roomId)) changed.add(member);
      for (const roomId of sharing.left) for (const member of audience.joinedMembers(roomId)) maybeLeft.add(member);
    }

    const left: string[] = [];
    if (maybeLeft.size > 0) {
      const stillSharing = new Set(audience.usersSharingRoomWith(userId));
      for (const candidate of maybeLeft) {
        if (candidate === userId || stillSharing.has(candidate)) continue;
        left.push(candidate);
        changed.delete(candidate);
      }
    }
    return { changed: [...changed].sort(), left: left.sort() };
  }

  /** Unclaimed one-time keys of the device per algorithm (`signed_curve25519` always listed, as Synapse does). */
  oneTimeKeyCounts(userId: string, deviceId: string): Record<string, number> {
    return oneTimeKeyCounts(this.stores.oneTimeKeys, userId, deviceId);
  }

  /** Algorithms of the device's fallback keys that no claim has handed out yet. */
  unusedFallbackKeyTypes(userId: string, deviceId: string): string[] {
    return this.stores.oneTimeKeys.unusedFallbackKeyTypes(userId, deviceId);
  }

  /** The device's to-device messages in (sinceToDevicePosition, upToPosition], at most `limit` (Infinity: all). */
  toDeviceMessages(userId: string, deviceId: string, sinceToDevicePosition: number, upToPosition: number, limit: number): ToDeviceBatch {
    if (limit < 1) return { events: [], nextPosition: sinceToDevicePosition };
    // SQLite reads LIMIT -1 as no limit.
    const sqlLimit = Number.isFinite(limit) ? Math.floor(limit) : -1;
    const messages = this.stores.deviceInbox.messagesFor(userId, deviceId, sinceToDevicePosition, upToPosition, sqlLimit);
    const limited = sqlLimit > 0 && messages.length === sqlLimit;
    return { events: messages.map((m) => m.message), nextPosition: limited ? messages.at(-1)!.streamId : upToPosition };
  }

  /** The device received everything up to `upToPosition` (a sync arrived with that `since`): forget it. */
  acknowledgeToDevice(userId: string, deviceId: string, upToPosition: number): number {
    if (upToPosition <= 0) return 0;
    return this.stores.deviceInbox.deleteUpTo(userId, deviceId, upToPosition);
  }
}

/** Each member's last membership change per room in the window. */
function latestPerMember(changes: readonly MembershipChange[]): MembershipChange[] {
  const last = new Map<string, MembershipChange>();
  for (const change of changes) last.set(`${change.roomId}\u0000${change.userId}`, change);
  return [...last.values()];
}
