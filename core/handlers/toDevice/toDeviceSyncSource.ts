/**
 * The to-device part of /sync, plugged into the sync handler as its `toDevice` SyncStreamSource: a sync whose
 * `since` carries to-device position P acknowledges every message up to P (the client got them in the response
 * that handed out P), which are deleted; the response then carries the device's messages in (P, now].
 *
 * SyncStreamSource lets the sync handler put the stream's current position in `next_batch`, so every pending
 * message up to it must go out in this response: the default limit is none. A limit (the spec recommends 100)
 * is only correct once the sync handler puts E2eeSyncData.toDeviceMessages' `nextPosition` in `next_batch`.
 */
import type { SyncResponse } from '../sync/syncResponse.ts';
import type { SyncStreamContext, SyncStreamSource } from '../sync/syncStreamSource.ts';
import type { E2eeSyncData } from '../keys/e2eeSyncData.ts';

export class ToDeviceSyncSource implements SyncStreamSource {
  constructor(
    private readonly data: E2eeSyncData,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}

  currentPosition(): number {
    return this.data.currentToDevicePosition();
  }

  async addToSync(context: SyncStreamContext, response: SyncResponse): Promise<boolean> {
    if (context.from !== null) this.data.acknowledgeToDevice(context.userId, context.deviceId, context.from);
    const batch = this.data.toDeviceMessages(context.userId, context.deviceId, context.from ?? 0, context.to, this.limit);
    response.to_device.events.push(...batch.events);
    return batch.events.length > 0;
  }
}
