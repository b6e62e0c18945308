/**
 * Every change of a local user's devices or keys goes through here: it is written to the device-list stream
 * (with outbound pokes for each other server sharing a room with the user, SEED-BEHAVIOURS.md §3) in the same
 * transaction as the change itself, and once that transaction committed, waiting /sync requests of the user
 * and of everyone sharing a room with them are woken.
 *
 * Changes of a user's signatures of other users' keys go to `user_signature_stream` instead (same generator),
 * and only wake the signer: nobody else may see those signatures.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { Notifier } from '../../replication/notifier.ts';

/** The notifier stream name of device-list changes (the `device_lists` slot of a sync token). */
export const DEVICE_LISTS_STREAM = 'device_lists';

/** What a write records, inside its transaction. */
export interface DeviceListChangeRecorder {
  /** `deviceIds` of `userId` (devices, or cross-signing public keys) changed. */
  devicesChanged(userId: string, deviceIds: readonly string[]): void;
  /** `fromUserId` changed their signatures of `userIds`' keys (or their own user-signing key). */
  signaturesChanged(fromUserId: string, userIds: readonly string[]): void;
}

interface PendingNotification {
  readonly userId: string;
  readonly position: number;
  /** Device changes reach room-mates; signature changes only the signer. */
  readonly toRoomMates: boolean;
}

export class DeviceListPublisher {
  private readonly pokeListeners = new Set<() => void>();

  constructor(
    private readonly stores: DataStores,
    private readonly notifier: Notifier,
  ) {}

  /** Calls `listener` after each committed change that poked other servers (federation sends the updates). */
  onServersPoked(listener: () => void): () => void {
    this.pokeListeners.add(listener);
    return () => this.pokeListeners.delete(listener);
  }

  /**
   * Applies a change of a remote user's devices (or cross-signing keys): `write` runs in one transaction and
   * returns the IDs that changed, which are written to the device-list stream with it; then the /syncs of local
   * users sharing a room with them wake. No server is poked: the user's own server told us.
   */
  remoteDevicesChanged(userId: string, write: () => readonly string[]): void {
    const position = this.stores.db
      .transaction(() => {
        const deviceIds = write();
        return this.stores.deviceLists.addDeviceChangeToStreams(userId, [...new Set(deviceIds)], []);
      })
      .immediate();
    if (position !== null) this.notify({ userId, position, toRoomMates: true });
  }

  /**
   * Runs `write` in one immediate transaction with a recorder for its device-list changes, then wakes whoever
   * must hear about them. Nothing is recorded or notified when `write` throws.
   */
  write<T>(write: (changes: DeviceListChangeRecorder) => T): T {
    const pending: PendingNotification[] = [];
    let poked = false;
    const recorder: DeviceListChangeRecorder = {
      devicesChanged: (userId, deviceIds) => {
        const unique = [...new Set(deviceIds)];
        const hosts = this.stores.deviceListAudience.hostsSharingRoomWith(userId);
        const position = this.stores.deviceLists.addDeviceChangeToStreams(userId, unique, hosts);
        if (position !== null) pending.push({ userId, position, toRoomMates: true });
        if (position !== null && hosts.length > 0) poked = true;
      },
      signaturesChanged: (fromUserId, userIds) => {
        if (userIds.length === 0) return;
        const position = this.stores.crossSigningKeys.addUserSignatureChange(fromUserId, [...new Set(userIds)]);
        pending.push({ userId: fromUserId, position, toRoomMates: false });
      },
    };
    const result = this.stores.db.transaction(() => write(recorder)).immediate();
    for (const p of pending) this.notify(p);
    if (poked) for (const listener of this.pokeListeners) listener();
    return result;
  }

  /** The device-list stream's current position. */
  currentPosition(): number {
    return this.stores.streams.deviceLists.getCurrentToken();
  }

  private notify(p: PendingNotification): void {
    this.notifier.notifyUsers(DEVICE_LISTS_STREAM, p.position, [p.userId]);
    if (!p.toRoomMates) return;
    // Room listeners are every joined member's waiting /sync: cheaper than listing the members.
    for (const roomId of this.stores.deviceListAudience.joinedRoomsOf(p.userId)) this.notifier.notifyRoom(DEVICE_LISTS_STREAM, p.position, roomId);
  }
}
