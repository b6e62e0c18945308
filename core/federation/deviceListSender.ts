/**
 * Tells other servers about our users' device changes (server-server API, "Device Management"): each
 * outbound poke (written with the change, one per destination and device, SEED-BEHAVIOURS.md §3) becomes an
 * `m.device_list_update` EDU whose `prev_id` chains to the previous one sent to that destination, and changes
 * of master or self-signing keys become `m.signing_key_update` EDUs. EDUs are moved into the durable
 * federation outbox in the same transaction that marks their pokes sent, so a crash loses or repeats nothing;
 * the outbox keeps their order.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import { NOT_A_DEVICE, type DeviceDescriber } from '../storage/databases/main/deviceListsStore.ts';
import type { FederationOutboxStore } from '../storage/databases/main/federationOutboxStore.ts';
import type { KeyQueryHandler } from '../handlers/keys/keyQueryHandler.ts';
import type { DeviceListPublisher } from '../handlers/devices/deviceListPublisher.ts';
import type { Logger } from '../logging/logger.ts';
import type { FederationSender } from './federationSender.ts';

/** Pokes moved into the outbox per transaction. */
const POKES_PER_BATCH = 100;

export class DeviceListSender {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly stores: DataStores,
    private readonly outbox: FederationOutboxStore,
    private readonly sender: FederationSender,
    private readonly keyQuery: KeyQueryHandler,
    private readonly log: Logger,
  ) {}

  /** Follows the publisher's changes and sends what earlier runs left pending. */
  start(publisher: DeviceListPublisher): void {
    this.unsubscribe = publisher.onServersPoked(() => this.flushAll());
    this.flushAll();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Moves every pending poke into the outbox. */
  flushAll(): void {
    for (const destination of this.stores.deviceLists.destinationsWithPendingPokes()) {
      try {
        this.flush(destination);
      } catch (e) {
        this.log.error(`queueing device-list updates for ${destination} failed`, e);
      }
    }
  }

  private flush(destination: string): void {
    for (;;) {
      const moved = this.stores.db
        .transaction(() => {
          const updates = this.stores.deviceLists.getOutboundUpdates(destination, 0, POKES_PER_BATCH, this.describe);
          for (const edu of updates.edus) this.outbox.enqueueEdu(destination, 'm.device_list_update', edu);
          for (const userId of new Set(updates.others.map((o) => o.userId))) {
            const update = this.signingKeyUpdate(userId);
            if (update !== null) this.outbox.enqueueEdu(destination, 'm.signing_key_update', update);
          }
          this.stores.deviceLists.markOutboundSent(destination, updates.position, updates.chainEnds);
          return updates.edus.length + updates.others.length;
        })
        .immediate();
      if (moved > 0) this.sender.wake(destination);
      if (moved < POKES_PER_BATCH) return;
    }
  }

  /** A device's keys as other servers see them (no display name, as Synapse by default), or why it has none. */
  private readonly describe: DeviceDescriber = (userId, deviceId) => {
    if (this.stores.devices.getDevice(userId, deviceId) === null) {
      const isKey = this.stores.crossSigningKeys.getKeys([userId], ['master', 'self_signing', 'user_signing']).some((k) => k.publicKey === deviceId);
      return isKey ? NOT_A_DEVICE : null;
    }
    const keys = this.keyQuery.localKeysForServer({ device_keys: { [userId]: [deviceId] } }).device_keys[userId]?.[deviceId];
    if (!keys) return { displayName: null, keys: null };
    const { unsigned: _unsigned, ...signed } = keys;
    return { displayName: null, keys: signed };
  };

  /** The user's current public cross-signing keys, or null when they have none. */
  private signingKeyUpdate(userId: string): JsonObject | null {
    const keys = this.keyQuery.localKeysForServer({ device_keys: { [userId]: [] } });
    const master = keys.master_keys[userId];
    const selfSigning = keys.self_signing_keys[userId];
    if (!master && !selfSigning) return null;
    return { user_id: userId, ...(master ? { master_key: master } : {}), ...(selfSigning ? { self_signing_key: selfSigning } : {}) };
  }
}
