/**
 * `PUT /sendToDevice/{eventType}/{txnId}` (Send-to-Device messaging): one message per recipient device, `*`
 * meaning every device of the user. Messages for local devices go to their inbox under one new to-device
 * stream position and wake the recipients' waiting /syncs; a retried request (same sending device and
 * transaction ID) is not delivered twice. Messages for unknown local devices are dropped. Messages for users of
 * other servers leave as one `m.direct_to_device` EDU per server once federation is attached (dropped with a
 * warning before), and such EDUs from other servers are delivered here.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { domainOf, isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { InboxDelivery } from '../../storage/databases/main/deviceInboxStore.ts';
import type { Notifier } from '../../replication/notifier.ts';
import type { Logger } from '../../logging/logger.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

/** The notifier stream name of to-device messages (the `to_device` slot of a sync token). */
export const TO_DEVICE_STREAM = 'to_device';

/** Every device of the recipient. */
export const ALL_DEVICES = '*';

const MAX_EVENT_TYPE_BYTES = 255;
/** Most recipient devices one request may address. */
export const MAX_TO_DEVICE_RECIPIENTS = 10_000;
/** Transaction IDs are pruned at most this often. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sends an `m.direct_to_device` EDU's content to another server. */
export type RemoteToDeviceSender = (destination: string, content: JsonObject) => void;

/** The sending "device" under which messages from other servers are de-duplicated by their `message_id`. */
const FEDERATION_TXN_DEVICE = ' federation';

export class ToDeviceHandler {
  private lastPrune = 0;
  private remoteSender: RemoteToDeviceSender | null = null;

  constructor(
    private readonly stores: DataStores,
    private readonly notifier: Notifier,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Federation sends messages for remote users once it exists (it is composed after the handlers). */
  setRemoteSender(sender: RemoteToDeviceSender): void {
    this.remoteSender = sender;
  }

  send(requester: Requester, eventType: string, txnId: string, body: JsonObject): void {
    if (eventType === '' || Buffer.byteLength(eventType) > MAX_EVENT_TYPE_BYTES) throw MatrixError.invalidParam('Invalid event type');
    if (txnId === '') throw MatrixError.invalidParam('Invalid transaction ID');
    const messages = body.messages;
    if (messages === undefined || messages === null) throw MatrixError.missingParam('Missing required parameter: messages');
    if (!isObject(messages)) throw MatrixError.badJson('messages must be an object');
    let count = 0;
    for (const [userId, byDevice] of Object.entries(messages)) {
      if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a valid user ID`);
      if (!isObject(byDevice)) throw MatrixError.badJson(`messages.${userId} must map device IDs to message contents`);
      for (const [deviceId, content] of Object.entries(byDevice)) {
        if (!isObject(content)) throw MatrixError.badJson(`messages.${userId}.${deviceId} must be an object`);
      }
      count += Object.keys(byDevice).length;
    }
    if (count > MAX_TO_DEVICE_RECIPIENTS) throw MatrixError.invalidParam(`At most ${MAX_TO_DEVICE_RECIPIENTS} recipient devices per request`);

    const deliveries: InboxDelivery[] = [];
    const remote = new Map<string, JsonObject>();
    for (const [userId, byDevice] of Object.entries(messages) as [string, JsonObject][]) {
      const server = domainOf(userId)!;
      if (server !== this.stores.serverName) {
        (remote.get(server) ?? remote.set(server, {}).get(server)!)[userId] = byDevice;
        continue;
      }
      deliveries.push(...this.localDeliveries(requester.userId, eventType, userId, byDevice));
    }

    const position = this.stores.deviceInbox.add({ userId: requester.userId, deviceId: requester.deviceId, txnId }, deliveries);
    if (position !== null && position > 0) this.notifier.notifyUsers(TO_DEVICE_STREAM, position, deliveries.map((d) => d.userId));
    // A retried request (position null) was sent on the first attempt.
    if (position !== null && remote.size > 0) this.sendRemote(requester.userId, eventType, remote);
    this.pruneNowAndThen();
  }

  /**
   * An `m.direct_to_device` EDU from `origin`: messages from its users to ours, delivered once per `message_id`.
   * Anything malformed, or claiming a sender of another server, is ignored.
   */
  receiveRemote(origin: string, content: JsonObject): void {
    const { sender, type, message_id: messageId, messages } = content;
    if (typeof sender !== 'string' || domainOf(sender) !== origin || !isAcceptableUserId(sender)) return;
    if (typeof type !== 'string' || type === '' || Buffer.byteLength(type) > MAX_EVENT_TYPE_BYTES) return;
    if (typeof messageId !== 'string' || messageId === '' || !isObject(messages)) return;
    const deliveries: InboxDelivery[] = [];
    for (const [userId, byDevice] of Object.entries(messages)) {
      if (domainOf(userId) !== this.stores.serverName || !isObject(byDevice)) continue;
      const contents = Object.fromEntries(Object.entries(byDevice).filter(([, c]) => isObject(c)));
      deliveries.push(...this.localDeliveries(sender, type, userId, contents as JsonObject));
    }
    const position = this.stores.deviceInbox.add({ userId: sender, deviceId: FEDERATION_TXN_DEVICE, txnId: `${origin}|${messageId}` }, deliveries);
    if (position !== null && position > 0) this.notifier.notifyUsers(TO_DEVICE_STREAM, position, deliveries.map((d) => d.userId));
  }

  private sendRemote(sender: string, type: string, byServer: ReadonlyMap<string, JsonObject>): void {
    if (this.remoteSender === null) {
      this.log.warn(`to-device ${type} from ${sender} to users of ${[...byServer.keys()].join(', ')} dropped: federation is not available`);
      return;
    }
    for (const [server, messages] of byServer) {
      this.remoteSender(server, { sender, type, message_id: randomBytes(12).toString('base64url'), messages });
    }
  }

  /** One delivery per existing device of `userId`; a message for a named device wins over the `*` one. */
  private localDeliveries(sender: string, type: string, userId: string, byDevice: JsonObject): InboxDelivery[] {
    const contents = new Map<string, JsonObject>();
    const wildcard = byDevice[ALL_DEVICES];
    if (isObject(wildcard)) for (const device of this.stores.devices.listDevices(userId)) contents.set(device.deviceId, wildcard);
    for (const [deviceId, content] of Object.entries(byDevice) as [string, JsonObject][]) {
      if (deviceId === ALL_DEVICES) continue;
      if (this.stores.devices.getDevice(userId, deviceId) !== null) contents.set(deviceId, content);
    }
    return [...contents].map(([deviceId, content]) => ({ userId, deviceId, message: { type, sender, content } }));
  }

  private pruneNowAndThen(): void {
    const now = this.now();
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = now;
    this.stores.deviceInbox.pruneTransactions();
  }
}
