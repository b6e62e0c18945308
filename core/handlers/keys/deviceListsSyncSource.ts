/**
 * The device-list part of /sync, plugged into the sync handler as its `deviceLists` SyncStreamSource: key
 * counts and unused fallback key types on every response, `device_lists` on incremental ones. A change is news
 * (it answers a waiting sync); key counts are not.
 *
 * SyncStreamContext carries only the rooms the user joined or left, so users who started sharing a room by
 * joining one of the user's rooms are not added to `changed` here (clients track room members themselves);
 * E2eeSyncData.deviceListChanges with an events window gives the full answer.
 */
import type { SyncResponse } from '../sync/syncResponse.ts';
import type { SyncStreamContext, SyncStreamSource } from '../sync/syncStreamSource.ts';
import type { E2eeSyncData } from './e2eeSyncData.ts';

export class DeviceListsSyncSource implements SyncStreamSource {
  constructor(private readonly data: E2eeSyncData) {}

  currentPosition(): number {
    return this.data.currentDeviceListPosition();
  }

  async addToSync(context: SyncStreamContext, response: SyncResponse): Promise<boolean> {
    response.device_one_time_keys_count = this.data.oneTimeKeyCounts(context.userId, context.deviceId);
    response.device_unused_fallback_key_types = this.data.unusedFallbackKeyTypes(context.userId, context.deviceId);
    if (context.from === null) return false;
    const changes = this.data.deviceListChanges(context.userId, context.from, context.to, {
      kind: 'rooms',
      joined: context.newlyJoinedRoomIds,
      left: context.newlyLeftRoomIds,
    });
    response.device_lists = changes;
    return changes.changed.length > 0 || changes.left.length > 0;
  }
}
