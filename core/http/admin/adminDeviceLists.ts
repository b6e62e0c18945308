/**
 * The device-lists page: each local account's devices with their identity keys and whether the account's
 * self-signing key has signed them (the signature is verified here, not just looked for), the account's
 * cross-signing keys, what this server has cached of remote users' device lists, and the device-list stream
 * position.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { checkJsonSignature } from '../../crypto/jsonSigning.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { AdminReadStore } from '../../storage/databases/main/adminReadStore.ts';
import { RemoteDeviceListCacheReadStore } from '../../storage/databases/main/remoteDeviceListCacheReadStore.ts';
import { CROSS_SIGNING_KEY_TYPES } from '../../storage/databases/main/crossSigningKeysStore.ts';
import { signaturesByTarget, withSignatures } from '../../handlers/keys/signatureMerge.ts';
import { parseEd25519PublicKey } from '../../handlers/keys/publicKeys.ts';
import type { CrossSigningKeys, DeviceListsResponse, DeviceVerificationState, LocalDevice, LocalUserDevices, RemoteUserDevices } from './adminApiTypes.ts';

/** The page lists at most this many accounts and remote users. */
export const MAX_LISTED_USERS = 200;

export class AdminDeviceLists {
  private readonly accounts: AdminReadStore;
  private readonly remoteCache: RemoteDeviceListCacheReadStore;

  constructor(private readonly stores: DataStores) {
    this.accounts = new AdminReadStore(stores.db);
    this.remoteCache = new RemoteDeviceListCacheReadStore(stores.db);
  }

  report(): DeviceListsResponse {
    // One read transaction: devices, keys and signatures of one user are seen at the same moment.
    return this.stores.db.transaction(() => ({
      stream_position: this.stores.streams.deviceLists.getCurrentToken(),
      local_users: this.accounts
        .localAccounts(MAX_LISTED_USERS)
        .filter((a) => !a.deactivated)
        .map((a) => this.localUser(a.userId, a.admin)),
      remote_users: this.remoteUsers(),
    }))();
  }

  private localUser(userId: string, admin: boolean): LocalUserDevices {
    const crossSigning: { -readonly [K in keyof CrossSigningKeys]: string | null } = { master: null, self_signing: null, user_signing: null };
    for (const key of this.stores.crossSigningKeys.getKeys([userId], CROSS_SIGNING_KEY_TYPES)) crossSigning[key.type] = key.publicKey;
    const keysByDevice = new Map(this.stores.deviceKeys.queryDeviceKeys(userId, null).map((d) => [d.deviceId, d.keys]));
    const signatures = signaturesByTarget(this.stores.crossSigningKeys.signaturesOf(userId, null, [userId]));
    const devices = this.stores.devices.listDevices(userId).map((device): LocalDevice => {
      const keys = keysByDevice.get(device.deviceId) ?? null;
      const signed = keys ? withSignatures(keys, signatures.get(device.deviceId) ?? []) : null;
      return {
        device_id: device.deviceId,
        display_name: device.displayName,
        last_seen_ts: device.lastSeenTs,
        last_seen_ip: device.lastSeenIp,
        identity_keys: stringEntries(keys?.keys),
        algorithms: Array.isArray(keys?.algorithms) ? keys.algorithms.filter((a): a is string => typeof a === 'string') : [],
        verification: verification(userId, signed, crossSigning.self_signing),
      };
    });
    return { user_id: userId, admin, cross_signing: crossSigning, devices };
  }

  private remoteUsers(): RemoteUserDevices[] {
    return this.remoteCache.cachedUsers(MAX_LISTED_USERS).map((user) => ({
      user_id: user.userId,
      stream_id: user.streamId,
      devices: user.devices.map((device) => {
        const keys = device.content.keys as Record<string, unknown> | undefined;
        const name = device.content.device_display_name ?? device.content.display_name;
        return { device_id: device.deviceId, display_name: typeof name === 'string' ? name : null, identity_keys: stringEntries(keys?.keys) };
      }),
    }));
  }
}

function verification(userId: string, signedKeys: JsonObject | null, selfSigningKey: string | null): DeviceVerificationState {
  if (signedKeys === null) return 'no_keys';
  if (selfSigningKey === null) return 'no_cross_signing';
  const verifyKey = parseEd25519PublicKey(selfSigningKey);
  if (verifyKey === null) return 'bad_signature';
  const check = checkJsonSignature(signedKeys, userId, `ed25519:${selfSigningKey}`, verifyKey);
  if (check.ok) return 'cross_signed';
  return check.reason === 'missing' ? 'not_cross_signed' : 'bad_signature';
}

function stringEntries(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
