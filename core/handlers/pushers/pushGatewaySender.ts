/**
 * Sending notifications to push gateways (Push Gateway API, `POST /_matrix/push/v1/notify`): for each push action
 * the recorder stores, every `http` pusher of its user whose URL host is in `push.gateway_hosts` gets one request.
 * Pushers with `format: "event_id_only"` get the event and room IDs, the priority, the counts and the device;
 * others also the event's type, sender, content, the sender's display name and the room's name and alias. The
 * `unread` count is the number of rooms with unread notifications (Synapse's default). Tweaks come from the rule's
 * actions; priority is high for encrypted events and for those that highlight or make a sound.
 *
 * Off by default: with no allowed host nothing is sent, and pushers stay stored only (a desktop server has no
 * mobile clients of its own; an admin allows the gateways they trust). A gateway that lists a pushkey as
 * `rejected` loses that pusher; a failed request is retried twice (1 s, then 5 s later), then dropped.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import type { RoomEvent } from '../../events/roomEvent.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { PushActionRow } from '../../storage/databases/main/eventPushActionsStore.ts';
import type { PusherRecord } from '../../storage/databases/main/pushersStore.ts';
import { RoomStateReader } from '../rooms/roomStateReader.ts';
import { tweaksOf } from '../push/pushActions.ts';
import type { PushAction } from '../push/pushRule.ts';

export interface PushGatewaySenderOptions {
  readonly stores: DataStores;
  /** Host names of the gateways notifications may go to. */
  readonly gatewayHosts: readonly string[];
  /** Failures are reported here; they never stop later notifications. */
  readonly onError: (message: string, error: unknown) => void;
}

const REQUEST_TIMEOUT_MS = 10_000;
const RETRY_DELAYS_MS = [1_000, 5_000];

export class PushGatewaySender {
  private readonly stores: DataStores;
  private readonly state: RoomStateReader;
  private readonly hosts: ReadonlySet<string>;
  private readonly stopping = new AbortController();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: PushGatewaySenderOptions) {
    this.stores = options.stores;
    this.state = new RoomStateReader(options.stores);
    this.hosts = new Set(options.gatewayHosts.map((h) => h.toLowerCase()));
  }

  /** Queues the notifications of newly recorded push actions (in order, one at a time). */
  notify(rows: readonly PushActionRow[]): void {
    if (this.hosts.size === 0) return;
    for (const row of rows) {
      this.queue = this.queue.then(() => this.send(row)).catch((error: unknown) => this.options.onError(`failed to push ${row.eventId} to ${row.userId}`, error));
    }
  }

  /** Resolves once everything queued so far has been sent (or given up on). */
  flush(): Promise<void> {
    return this.queue;
  }

  /** Abandons requests in flight and retries (at shutdown). */
  stop(): void {
    this.stopping.abort();
  }

  private allowed(pusher: PusherRecord): boolean {
    if (pusher.kind !== 'http' || typeof pusher.data.url !== 'string') return false;
    try {
      return this.hosts.has(new URL(pusher.data.url).hostname.toLowerCase());
    } catch {
      return false;
    }
  }

  private async send(row: PushActionRow): Promise<void> {
    const pushers = this.stores.pushers.pushersOf(row.userId).filter((p) => this.allowed(p));
    if (pushers.length === 0 || this.stopping.signal.aborted) return;
    const stored = await this.stores.events.getEvent(row.eventId);
    if (!stored) return;
    const event = stored.event;
    const tweaks = tweaksOf(row.actions as readonly PushAction[]);
    const prio = event.type === 'm.room.encrypted' || tweaks.highlight === true || tweaks.sound !== undefined ? 'high' : 'low';
    const counts = { unread: await this.roomsWithUnread(row.userId) };
    let details: JsonObject | null = null;
    for (const pusher of pushers) {
      const { url: _url, ...data } = pusher.data;
      const device: JsonObject = { app_id: pusher.appId, pushkey: pusher.pushkey, data, tweaks };
      const notification: JsonObject = { event_id: event.eventId, room_id: event.roomId, prio, counts, devices: [device] };
      if (pusher.data.format !== 'event_id_only') Object.assign(notification, (details ??= await this.detailsOf(event, row.userId)));
      await this.post(row.userId, pusher, { notification });
    }
  }

  /** What the full format adds: the event, who sent it and where. */
  private async detailsOf(event: RoomEvent, userId: string): Promise<JsonObject> {
    const details: JsonObject = { type: event.type, sender: event.sender, content: event.content };
    const [member, name, alias] = await Promise.all([
      this.state.currentStateEvent(event.roomId, 'm.room.member', event.sender),
      this.state.currentStateEvent(event.roomId, 'm.room.name', ''),
      this.state.currentStateEvent(event.roomId, 'm.room.canonical_alias', ''),
    ]);
    const displayName = member?.event.content.displayname;
    if (typeof displayName === 'string' && displayName !== '') details.sender_display_name = displayName;
    const roomName = name?.event.content.name;
    if (typeof roomName === 'string' && roomName !== '') details.room_name = roomName;
    const roomAlias = alias?.event.content.alias;
    if (typeof roomAlias === 'string') details.room_alias = roomAlias;
    if (event.type === 'm.room.member') details.user_is_target = event.stateKey === userId;
    return details;
  }

  private async roomsWithUnread(userId: string): Promise<number> {
    const rooms = await this.stores.members.getRoomsForUser(userId);
    return rooms.filter((roomId) => this.stores.pushActions.getUnreadCounts(userId, roomId).notificationCount > 0).length;
  }

  private async post(userId: string, pusher: PusherRecord, body: JsonObject): Promise<void> {
    const url = pusher.data.url as string;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          redirect: 'error',
          signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
        const answer = (await response.json().catch(() => null)) as { rejected?: JsonValue } | null;
        if (response.ok) {
          if (Array.isArray(answer?.rejected) && answer.rejected.includes(pusher.pushkey)) this.stores.pushers.delete(userId, pusher.appId, pusher.pushkey);
          return;
        }
        // The gateway refuses this request as such: sending it again would not help.
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          this.options.onError(`push gateway ${url} answered ${response.status}`, answer);
          return;
        }
        failure = new Error(`push gateway ${url} answered ${response.status}`);
      } catch (error) {
        failure = error;
      }
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined || this.stopping.signal.aborted) {
        this.options.onError(`giving up pushing to ${url}`, failure);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        timer.unref();
        this.stopping.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }
}
