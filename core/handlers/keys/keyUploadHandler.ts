/**
 * `POST /keys/upload`: a device publishes its identity keys, one-time keys and fallback keys. Everything is
 * checked before anything is written, and written in one transaction:
 * - identity keys must be the device's own and signed by its ed25519 key; once a device has identity keys they
 *   cannot be replaced by different ones (the device's identity would silently change under its contacts:
 *   such a client must log in as a new device). Re-uploading them with more signatures is fine.
 * - a one-time key ID already stored with different content is refused, as Synapse does ("already exists").
 * - one fallback key per algorithm replaces the previous one.
 * A change of identity keys is a device-list change.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredOneTimeKey } from '../../storage/databases/main/oneTimeKeysStore.ts';
import type { DeviceListPublisher } from '../devices/deviceListPublisher.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { identityKeysOf, validateDeviceKeys, type ValidDeviceKeys } from './deviceKeysValidation.ts';
import { validateOneTimeKeys } from './oneTimeKeysValidation.ts';
import { oneTimeKeyCounts } from './oneTimeKeyCounts.ts';
import { parseEd25519PublicKey } from './publicKeys.ts';

export interface KeyUploadResponse {
  one_time_key_counts: Record<string, number>;
}

export class KeyUploadHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly deviceLists: DeviceListPublisher,
    private readonly now: () => number = Date.now,
  ) {}

  upload(requester: Requester, body: JsonObject): KeyUploadResponse {
    const { userId, deviceId } = requester;
    return this.deviceLists.write((changes) => {
      const stored = this.stores.deviceKeys.getDeviceKeys(userId, deviceId);
      let deviceKeys: ValidDeviceKeys | null = null;
      if (body.device_keys !== undefined && body.device_keys !== null) {
        deviceKeys = validateDeviceKeys(body.device_keys, userId, deviceId);
        if (stored !== null) this.refuseNewIdentity(identityKeysOf(stored), identityKeysOf(deviceKeys.keys), deviceId);
        if (this.stores.crossSigningKeys.isCrossSigningPublicKey(userId, deviceId)) {
          throw MatrixError.forbidden(`Device ID ${deviceId} is one of the user's cross-signing keys`);
        }
      }
      const signingKey = deviceKeys?.signingKey ?? (stored === null ? null : parseEd25519PublicKey(identityKeysOf(stored)[`ed25519:${deviceId}`]));
      const owner = { userId, deviceId, signingKey };
      const oneTimeKeys = body.one_time_keys === undefined || body.one_time_keys === null ? [] : validateOneTimeKeys(body.one_time_keys, owner, 'one_time_keys');
      const fallbackKeys = body.fallback_keys === undefined || body.fallback_keys === null ? [] : validateOneTimeKeys(body.fallback_keys, owner, 'fallback_keys');
      const newOneTimeKeys = this.withoutKnownOneTimeKeys(userId, deviceId, oneTimeKeys);

      const now = this.now();
      if (deviceKeys !== null && this.stores.deviceKeys.setDeviceKeys(userId, deviceId, deviceKeys.keys, now)) changes.devicesChanged(userId, [deviceId]);
      this.stores.oneTimeKeys.addOneTimeKeys(userId, deviceId, now, newOneTimeKeys);
      for (const key of fallbackKeys) this.stores.oneTimeKeys.setFallbackKey(userId, deviceId, key.algorithm, key.keyId, key.json);
      return { one_time_key_counts: oneTimeKeyCounts(this.stores.oneTimeKeys, userId, deviceId) };
    });
  }

  private refuseNewIdentity(stored: Record<string, string>, uploaded: Record<string, string>, deviceId: string): void {
    for (const [keyId, key] of Object.entries(stored)) {
      if (uploaded[keyId] !== undefined && uploaded[keyId] !== key) {
        throw MatrixError.invalidParam(`Device ${deviceId} already has a different ${keyId} key; identity keys cannot be replaced: log in as a new device`);
      }
    }
  }

  /** Drops keys already stored with the same content (a retried upload); refuses IDs reused for other keys. */
  private withoutKnownOneTimeKeys(userId: string, deviceId: string, keys: readonly StoredOneTimeKey[]): StoredOneTimeKey[] {
    if (keys.length === 0) return [];
    const existing = this.stores.oneTimeKeys.getOneTimeKeys(userId, deviceId, keys);
    return keys.filter((key) => {
      const json = existing.get(`${key.algorithm}:${key.keyId}`);
      if (json === undefined) return true;
      if (json !== key.json) throw MatrixError.invalidParam(`One time key ${key.algorithm}:${key.keyId} already exists with different content`);
      return false;
    });
  }
}
