/**
 * Device management (client-server API, "Device Management"): list, read and rename a user's devices, and
 * delete them behind user-interactive authentication (the password stage; the session is bound to the exact
 * deletion asked for). Deleting a device revokes its access tokens and forgets its keys (identity, one-time,
 * fallback), the signatures of it and its to-device inbox, and records the change in the device-list stream.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { DeviceRecord } from '../../storage/databases/main/devicesStore.ts';
import type { AccessTokenHandler } from '../accounts/accessTokenHandler.ts';
import type { UserInteractiveAuth } from '../accounts/userInteractiveAuth.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { DeviceListPublisher } from './deviceListPublisher.ts';

/** A device as the client-server API shows it (`definitions/client_device.yaml`). */
export interface ClientDevice {
  device_id: string;
  display_name?: string;
  last_seen_ip?: string;
  last_seen_ts?: number;
}

/** Longest display name accepted (display names are visible to other users). */
export const MAX_DEVICE_DISPLAY_NAME_LENGTH = 100;

/** Most devices one /delete_devices request may name. */
export const MAX_DEVICES_PER_DELETE = 1000;

export function toClientDevice(device: DeviceRecord): ClientDevice {
  const out: ClientDevice = { device_id: device.deviceId };
  if (device.displayName !== null) out.display_name = device.displayName;
  if (device.lastSeenIp !== null) out.last_seen_ip = device.lastSeenIp;
  if (device.lastSeenTs !== null) out.last_seen_ts = device.lastSeenTs;
  return out;
}

export class DeviceHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly tokens: AccessTokenHandler,
    private readonly uia: UserInteractiveAuth,
    private readonly deviceLists: DeviceListPublisher,
  ) {}

  listDevices(userId: string): ClientDevice[] {
    return this.stores.devices.listDevices(userId).map(toClientDevice);
  }

  /** 404 M_NOT_FOUND when the user has no such device. */
  getDevice(userId: string, deviceId: string): ClientDevice {
    const device = this.stores.devices.getDevice(userId, deviceId);
    if (!device) throw MatrixError.notFound('Device not found');
    return toClientDevice(device);
  }

  /** `PUT /devices/{deviceId}`: renames an existing device (regular clients cannot create devices here). */
  updateDevice(userId: string, deviceId: string, body: JsonObject): void {
    const displayName = body.display_name;
    if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') throw MatrixError.badJson('display_name must be a string');
    if (typeof displayName === 'string' && displayName.length > MAX_DEVICE_DISPLAY_NAME_LENGTH) {
      throw MatrixError.invalidParam(`display_name is longer than ${MAX_DEVICE_DISPLAY_NAME_LENGTH} characters`);
    }
    const device = this.stores.devices.getDevice(userId, deviceId);
    if (!device) throw MatrixError.notFound('Device not found');
    if (typeof displayName !== 'string' || displayName === device.displayName) return;
    // The name is part of what /keys/query shows (unsigned.device_display_name), so others must hear of it.
    this.deviceLists.write((changes) => {
      this.stores.devices.setDisplayName(userId, deviceId, displayName);
      changes.devicesChanged(userId, [deviceId]);
    });
  }

  /** `DELETE /devices/{deviceId}`. */
  async deleteDevice(requester: Requester, deviceId: string, body: JsonObject): Promise<void> {
    await this.uia.authenticate({
      operation: `DELETE /devices/${deviceId} ${requester.userId}`,
      flows: [['m.login.password']],
      auth: body.auth,
      requesterUserId: requester.userId,
    });
    this.deleteDevicesNow(requester.userId, [deviceId]);
  }

  /** `POST /delete_devices`. */
  async deleteDevices(requester: Requester, body: JsonObject): Promise<void> {
    const devices = body.devices;
    if (devices === undefined || devices === null) throw MatrixError.missingParam('Missing required parameter: devices');
    if (!Array.isArray(devices) || !devices.every((d): d is string => typeof d === 'string')) throw MatrixError.badJson('devices must be an array of strings');
    if (devices.length > MAX_DEVICES_PER_DELETE) throw MatrixError.invalidParam(`At most ${MAX_DEVICES_PER_DELETE} devices per request`);
    const deviceIds = [...new Set(devices)].sort();
    await this.uia.authenticate({
      // The exact set of devices is part of the operation: a session started for one set cannot delete another.
      operation: `POST /delete_devices ${requester.userId} ${JSON.stringify(deviceIds)}`,
      flows: [['m.login.password']],
      auth: body.auth,
      requesterUserId: requester.userId,
    });
    this.deleteDevicesNow(requester.userId, deviceIds);
  }

  /** Deletes devices (already authorised); unknown ones are skipped, so deleting twice succeeds. */
  deleteDevicesNow(userId: string, deviceIds: readonly string[]): void {
    // Tokens first: whatever happens next, the deleted device can no longer act.
    for (const deviceId of deviceIds) this.tokens.revokeDevice(userId, deviceId);
    this.deviceLists.write((changes) => {
      const deleted: string[] = [];
      for (const deviceId of deviceIds) {
        const existed = this.stores.devices.deleteDevice(userId, deviceId);
        const hadKeys = this.stores.deviceKeys.getDeviceKeys(userId, deviceId) !== null;
        this.stores.deviceKeys.deleteForDevice(userId, deviceId);
        this.stores.oneTimeKeys.deleteForDevice(userId, deviceId);
        this.stores.crossSigningKeys.deleteSignaturesOf(userId, deviceId);
        this.stores.deviceInbox.deleteForDevice(userId, deviceId);
        if (existed || hadKeys) deleted.push(deviceId);
      }
      changes.devicesChanged(userId, deleted);
    });
  }
}
