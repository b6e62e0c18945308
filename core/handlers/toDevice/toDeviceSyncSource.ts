/**
 * The to-device part of /sync, plugged into the sync handler as its `toDevice` SyncStreamSource: a sync whose
 * `since` carries to-device position P acknowledges every message up to P (the client got them in the response
 * that handed out P), which are deleted; the response then carries the device's messages in (P, now].
 *
 * At most TO_DEVICE_LIMIT_PER_SYNC messages go out per response (the spec's recommendation, Synapse's too): when
 * more wait, the response's `next_batch` carries the position of the last one sent, and the client comes back for
 * the rest at once.
 */
import type { SyncResponse } from '../sync/syncResponse.ts';
import type { PartialSync, SyncStreamContext, SyncStreamSource } from '../sync/syncStreamSource.ts';
import { TO_DEVICE_LIMIT_PER_SYNC, type E2eeSyncData } from '../keys/e2eeSyncData.ts';

export class ToDeviceSyncSource implements SyncStreamSource {
  constructor(
    private readonly data: E2eeSyncData,
    private readonly limit = TO_DEVICE_LIMIT_PER_SYNC,
  ) {}

  currentPosition(): number {
    return this.data.currentToDevicePosition();
  }

  async addToSync(context: SyncStreamContext, response: SyncResponse): Promise<boolean | PartialSync> {
    if (context.from !== null) this.data.acknowledgeToDevice(context.userId, context.deviceId, context.from);
    const batch = this.data.toDeviceMessages(context.userId, context.deviceId, context.from ?? 0, context.to, this.limit);
    response.to_device.events.push(...batch.events);
    if (batch.nextPosition < context.to) return { upTo: batch.nextPosition };
    return batch.events.length > 0;
  }
}
