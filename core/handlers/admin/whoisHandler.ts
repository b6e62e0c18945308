/**
 * `GET /admin/whois/{userId}`: a local user's devices and their sessions' connections, for server admins and
 * for the user themself (as Synapse allows). Each device is one session (a login on a device replaces its
 * tokens). Connections come from the device's last-seen address, user agent and time; nothing records those
 * yet (`DevicesStore.recordLastSeen` has no caller), so today every session lists no connections.
 */
import { domainOf, isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { DeviceRecord } from '../../storage/databases/main/devicesStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export interface WhoisConnection {
  ip?: string;
  last_seen?: number;
  user_agent?: string;
}

export interface WhoisResponse {
  readonly user_id: string;
  readonly devices: Record<string, { readonly sessions: { readonly connections: WhoisConnection[] }[] }>;
}

export class WhoisHandler {
  constructor(private readonly stores: DataStores) {}

  whois(requester: Requester, userId: string): WhoisResponse {
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    // Permission first, so that other users cannot learn who exists.
    if (requester.userId !== userId && !requester.isAdmin) throw MatrixError.forbidden('Only server admins can look up other users');
    if (domainOf(userId) !== this.stores.serverName) throw MatrixError.invalidParam('Can only look up users of this server');
    if (!this.stores.users.getUser(userId)) throw MatrixError.notFound(`User ${userId} not found`);
    const devices: WhoisResponse['devices'] = {};
    for (const device of this.stores.devices.listDevices(userId)) devices[device.deviceId] = { sessions: [{ connections: connectionsOf(device) }] };
    return { user_id: userId, devices };
  }
}

function connectionsOf(device: DeviceRecord): WhoisConnection[] {
  if (device.lastSeenTs === null) return [];
  const connection: WhoisConnection = { last_seen: device.lastSeenTs };
  if (device.lastSeenIp !== null) connection.ip = device.lastSeenIp;
  if (device.lastSeenUserAgent !== null) connection.user_agent = device.lastSeenUserAgent;
  return [connection];
}
