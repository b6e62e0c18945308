/**
 * Keeps what we know of other servers' users' device lists current (server-server API, "Device Management"),
 * the way Synapse's DeviceListUpdater does:
 * - `m.device_list_update` EDUs are applied one by one per user, in order, when their `prev_id`s continue
 *   the version we hold; an update at or below that version is old and ignored; a gap (or a user never
 *   fetched) means fetching the whole list with `GET /user/devices/{userId}` instead;
 * - `m.signing_key_update` EDUs carry a user's new cross-signing keys, which are kept (RemoteCrossSigningKeys),
 *   as are those of whole-list fetches;
 * - only users sharing a room with a local user are tracked: nobody here could use the rest, and what we held of
 *   a user who no longer shares one is forgotten (their updates stop reaching us).
 * Every applied change is written to the device-list stream, so local clients sharing a room with the user
 * see them in `/sync`'s `device_lists.changed` and query their keys again. Fetches that fail are retried.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import type { RemoteDeviceListsStore, RemoteDevice } from '../storage/databases/main/remoteDeviceListsStore.ts';
import type { DeviceListPublisher } from '../handlers/devices/deviceListPublisher.ts';
import type { Logger } from '../logging/logger.ts';
import type { FederationHttpClient } from './federationHttpClient.ts';
import type { TransactionReceiver } from './transactionReceiver.ts';
import type { RemoteCrossSigningKeys } from './remoteCrossSigningKeys.ts';
import type { FederationKeyCache } from './federationKeyCache.ts';

/** How often lists whose fetch failed are fetched again. */
export const RESYNC_RETRY_INTERVAL_MS = 60_000;
const RESYNCS_PER_RETRY = 20;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Remote stream IDs are opaque; Synapse's (and ours) are integers, compared as numbers when both are. */
function isAtOrBefore(streamId: string, extremity: string): boolean {
  const a = Number(streamId);
  const b = Number(extremity);
  if (Number.isFinite(a) && Number.isFinite(b)) return a <= b;
  return streamId === extremity;
}

export interface RemoteDeviceListUpdaterOptions {
  readonly lists: RemoteDeviceListsStore;
  readonly publisher: DeviceListPublisher;
  readonly crossSigning: RemoteCrossSigningKeys;
  readonly cache: FederationKeyCache;
  readonly client: FederationHttpClient;
  readonly log: Logger;
}

export class RemoteDeviceListUpdater {
  /** Per user, the tail of the work queued for them: updates of one user are applied strictly in order. */
  private readonly queues = new Map<string, Promise<void>>();
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: RemoteDeviceListUpdaterOptions) {}

  /** Handles the two EDU types (without making the sending transaction wait for list fetches). */
  attach(transactions: TransactionReceiver): void {
    transactions.registerEduHandler('m.device_list_update', async (origin, content) => this.receiveDeviceListUpdate(origin, content));
    transactions.registerEduHandler('m.signing_key_update', async (origin, content) => this.receiveSigningKeyUpdate(origin, content));
  }

  start(): void {
    this.retryTimer = setInterval(() => this.retryFailedResyncs(), RESYNC_RETRY_INTERVAL_MS);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    await this.idle();
  }

  /** Resolves once every queued update and fetch has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  receiveDeviceListUpdate(origin: string, content: JsonObject): void {
    const { user_id: userId, device_id: deviceId, stream_id: streamId } = content;
    if (typeof userId !== 'string' || domainOf(userId) !== origin) return;
    if (typeof deviceId !== 'string' || deviceId === '') return;
    if (typeof streamId !== 'number' && typeof streamId !== 'string') return;
    const prevIds = Array.isArray(content.prev_id) ? content.prev_id.filter((p) => typeof p === 'number' || typeof p === 'string').map(String) : [];
    this.enqueue(userId, async () => {
      if (!this.options.cache.tracked(userId)) return this.options.cache.forget(userId);
      const extremity = this.options.lists.extremity(userId);
      if (extremity !== null && isAtOrBefore(String(streamId), extremity)) return;
      const continues = extremity !== null && prevIds.every((p) => p === extremity);
      if (!continues) {
        await this.resync(userId);
        return;
      }
      const deviceContent = content.deleted === true ? null : deviceOf(userId, deviceId, content);
      this.options.publisher.remoteDevicesChanged(userId, () => {
        this.options.lists.applyUpdate(userId, deviceId, deviceContent, String(streamId));
        return [deviceId];
      });
    });
  }

  receiveSigningKeyUpdate(origin: string, content: JsonObject): void {
    const userId = content.user_id;
    if (typeof userId !== 'string' || domainOf(userId) !== origin) return;
    const update = { master: content.master_key, selfSigning: content.self_signing_key };
    if (update.master === undefined && update.selfSigning === undefined) return;
    this.enqueue(userId, async () => {
      if (!this.options.cache.tracked(userId)) return this.options.cache.forget(userId);
      this.options.publisher.remoteDevicesChanged(userId, () => this.options.crossSigning.apply(userId, update, false));
    });
  }

  /** Fetches the user's whole list; on failure, remembers to try again. */
  private async resync(userId: string): Promise<void> {
    const server = domainOf(userId)!;
    let answer: unknown;
    try {
      answer = await this.options.client.request(server, { method: 'GET', path: `/_matrix/federation/v1/user/devices/${encodeURIComponent(userId)}`, timeoutMs: 30_000 });
    } catch (e) {
      this.options.log.info(`fetching the device list of ${userId} failed (${(e as Error).message}); will retry`);
      this.options.lists.markResyncNeeded(userId);
      return;
    }
    const list = parseUserDevices(userId, answer);
    if (list === null) {
      this.options.log.warn(`${server} sent an invalid device list for ${userId}; will retry`);
      this.options.lists.markResyncNeeded(userId);
      return;
    }
    this.options.publisher.remoteDevicesChanged(userId, () => [
      ...this.options.lists.replaceList(userId, list.devices, list.streamId),
      ...this.options.crossSigning.apply(userId, { master: list.masterKey, selfSigning: list.selfSigningKey }, true),
    ]);
  }

  private retryFailedResyncs(): void {
    for (const userId of this.options.lists.usersNeedingResync(RESYNCS_PER_RETRY)) {
      if (!this.queues.has(userId)) this.enqueue(userId, () => this.resync(userId));
    }
  }

  private enqueue(userId: string, work: () => Promise<void>): void {
    const previous = this.queues.get(userId) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((e) => this.options.log.error(`updating the device list of ${userId} failed`, e))
      .finally(() => {
        if (this.queues.get(userId) === next) this.queues.delete(userId);
      });
    this.queues.set(userId, next);
  }
}

/** `{device_id, keys?, device_display_name?}` of an update, keeping keys only when they are the device's own. */
function deviceOf(userId: string, deviceId: string, content: JsonObject): JsonObject {
  const device: JsonObject = { device_id: deviceId };
  const keys = content.keys;
  if (isObject(keys) && keys.user_id === userId && keys.device_id === deviceId) device.keys = keys;
  if (typeof content.device_display_name === 'string') device.device_display_name = content.device_display_name;
  return device;
}

interface ParsedUserDevices {
  readonly streamId: string;
  readonly devices: RemoteDevice[];
  readonly masterKey: JsonValue | undefined;
  readonly selfSigningKey: JsonValue | undefined;
}

function parseUserDevices(userId: string, answer: unknown): ParsedUserDevices | null {
  if (!isObject(answer as JsonValue) || (answer as JsonObject).user_id !== userId) return null;
  const body = answer as JsonObject;
  if ((typeof body.stream_id !== 'number' && typeof body.stream_id !== 'string') || !Array.isArray(body.devices)) return null;
  const devices: RemoteDevice[] = [];
  for (const entry of body.devices) {
    if (!isObject(entry) || typeof entry.device_id !== 'string' || entry.device_id === '') continue;
    devices.push({ deviceId: entry.device_id, content: deviceOf(userId, entry.device_id, entry) });
  }
  return { streamId: String(body.stream_id), devices, masterKey: body.master_key, selfSigningKey: body.self_signing_key };
}
