/**
 * `/keys/query` answers for other servers' users from what we hold, the way Synapse's E2eKeysHandler answers
 * from its remote device cache: while a user shares a room with one of ours, their server keeps us current with
 * `m.device_list_update` and `m.signing_key_update` EDUs, so once their list was fetched (and no resync is
 * pending) their devices' keys and their master and self-signing keys come from `device_lists_remote_cache` and
 * `e2e_cross_signing_keys` without asking. A user who no longer shares a room is forgotten as soon as a
 * membership change shows it (theirs, or one of our users leaving): nothing would tell us of their changes any
 * more, and a later shared room must start from a fresh fetch.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { RemoteDeviceListsStore } from '../storage/databases/main/remoteDeviceListsStore.ts';
import type { DeviceListPublisher } from '../handlers/devices/deviceListPublisher.ts';
import type { EventsPersistenceController, PersistedBatch } from '../storage/controllers/eventsPersistenceController.ts';
import type { CachedUserKeys, RemoteKeyCache } from '../handlers/keys/remoteKeys.ts';
import type { RemoteCrossSigningKeys } from './remoteCrossSigningKeys.ts';

export interface FederationKeyCacheOptions {
  readonly stores: DataStores;
  readonly lists: RemoteDeviceListsStore;
  readonly crossSigning: RemoteCrossSigningKeys;
  readonly publisher: DeviceListPublisher;
}

export class FederationKeyCache implements RemoteKeyCache {
  constructor(private readonly options: FederationKeyCacheOptions) {}

  /** Whether the user shares a room with one of our users (only then do their servers send us updates). */
  tracked(userId: string): boolean {
    const own = this.options.stores.serverName;
    return this.options.stores.deviceListAudience.usersSharingRoomWith(userId).some((u) => domainOf(u) === own);
  }

  cachedKeys(userId: string, deviceIds: readonly string[]): CachedUserKeys | null {
    const { lists, crossSigning } = this.options;
    if (!this.tracked(userId)) {
      this.forget(userId);
      return null;
    }
    if (lists.extremity(userId) === null || lists.needsResync(userId)) return null;
    const wanted = deviceIds.length === 0 ? null : new Set(deviceIds);
    const deviceKeys: Record<string, JsonObject> = {};
    for (const device of lists.devicesOf(userId)) {
      const keys = device.content.keys;
      if (wanted !== null && !wanted.has(device.deviceId)) continue;
      if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) continue;
      const { unsigned: _unsigned, ...signed } = keys;
      const name = device.content.device_display_name;
      deviceKeys[device.deviceId] = { ...signed, unsigned: typeof name === 'string' ? { device_display_name: name } : {} };
    }
    const held = crossSigning.held(userId);
    return { deviceKeys, masterKey: held.master, selfSigningKey: held.selfSigning };
  }

  rememberCrossSigningKeys(userId: string, master: JsonObject | undefined, selfSigning: JsonObject | undefined): void {
    if (!this.tracked(userId)) return;
    this.options.publisher.remoteDevicesChanged(userId, () => this.options.crossSigning.apply(userId, { master, selfSigning }, true));
  }

  /** Forgets held users who stop sharing a room with ours because of the batch's memberships. Returns the unsubscriber. */
  watchMemberships(persistence: EventsPersistenceController): () => void {
    return persistence.onPersisted((batch) => this.afterMemberships(batch));
  }

  private afterMemberships(batch: PersistedBatch): void {
    if (batch.backfilled) return;
    const own = this.options.stores.serverName;
    const leavers = new Set<string>();
    for (const { event, context } of batch.events) {
      if (event.type !== 'm.room.member' || event.stateKey === null || event.membership === 'join') continue;
      if (context.rejectedReason !== null || event.internal.outlier === true || event.internal.softFailed === true) continue;
      leavers.add(event.stateKey);
    }
    if (leavers.size === 0) return;
    // One of ours leaving may end sharing with anyone we hold; another server's user leaving, only with them.
    const candidates = [...leavers].some((u) => domainOf(u) === own)
      ? new Set([...this.options.lists.heldUsers(), ...this.options.crossSigning.heldUsers(own)])
      : [...leavers].filter((u) => domainOf(u) !== own);
    for (const userId of candidates) if (!this.tracked(userId)) this.forget(userId);
  }

  /** Drops everything held of the user (device list, its version, pending resync, cross-signing keys). */
  forget(userId: string): void {
    this.options.stores.db.transaction(() => {
      this.options.lists.forget(userId);
      this.options.crossSigning.forget(userId);
    })();
  }
}
