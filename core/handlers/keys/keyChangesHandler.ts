/**
 * `GET /keys/changes?from&to`: users whose device lists changed between two /sync tokens, for a client that
 * was offline (end-to-end encryption module, "Tracking the device list for a user"). The tokens are sync
 * tokens (core/handlers/sync/syncToken.ts): their `device_lists` slots bound the device-list window and their
 * `events` slots the membership window, so users who started or stopped sharing a room are reported too.
 */
import { parseSyncToken } from '../sync/syncToken.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { DeviceListChanges, E2eeSyncData } from './e2eeSyncData.ts';

export class KeyChangesHandler {
  constructor(private readonly data: E2eeSyncData) {}

  changes(requester: Requester, fromToken: string | null, toToken: string | null): DeviceListChanges {
    if (fromToken === null || fromToken === '') throw MatrixError.missingParam('Missing required parameter: from');
    if (toToken === null || toToken === '') throw MatrixError.missingParam('Missing required parameter: to');
    const from = parseSyncToken(fromToken, 'from');
    const to = parseSyncToken(toToken, 'to');
    // A `to` from the future (a token of a restarted or other instance) reads as "now".
    const toDeviceLists = Math.min(to.device_lists, this.data.currentDeviceListPosition());
    return this.data.deviceListChanges(requester.userId, from.device_lists, toDeviceLists, { kind: 'events', from: from.events, to: to.events });
  }
}
