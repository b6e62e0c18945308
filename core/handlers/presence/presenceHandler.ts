/**
 * Presence of local users ("Presence" module), minimal but real: set through `PUT /presence/{userId}/status` and
 * /sync's `set_presence`, read through `GET /presence/{userId}/status` and /sync (for users sharing a room).
 * - Syncing with `set_presence=online` (the default) makes an offline user online; `unavailable` marks them idle;
 *   `offline` leaves presence alone.
 * - Sending events is activity: it moves `last_active` and brings an idle user back online.
 * - A user nobody has seen syncing for SYNC_ONLINE_TIMEOUT_MS goes offline; an online user inactive for
 *   IDLE_TIMEOUT_MS goes unavailable (checked every SWEEP_INTERVAL_MS).
 * Changes of state or status message are stored (the `presence` stream) and wake every /sync; a moving
 * last-active time is kept in memory and shown as `last_active_ago` without being news.
 * Users of other servers: their presence arrives through federation (`receiveRemote`) and is stored the same
 * way; one not heard of for REMOTE_PRESENCE_TIMEOUT_MS goes offline (their server may be gone). Local changes
 * are announced to `onLocalChange` listeners (federation tells the servers sharing a room).
 */
import { domainOf } from '../../events/identifiers.ts';
import type { EventsPersistenceController } from '../../storage/controllers/eventsPersistenceController.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { PresenceState, PresenceStatus } from '../../storage/databases/main/presenceStore.ts';
import type { Notifier } from '../../replication/notifier.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export const PRESENCE_STREAM = 'presence';
export const SYNC_ONLINE_TIMEOUT_MS = 30_000;
export const IDLE_TIMEOUT_MS = 5 * 60_000;
/** An online user active this recently is `currently_active`. */
export const CURRENTLY_ACTIVE_MS = 60_000;
const SWEEP_INTERVAL_MS = 5_000;
/** Synapse's FEDERATION_TIMEOUT: servers repeat presence of online users well within it. */
export const REMOTE_PRESENCE_TIMEOUT_MS = 30 * 60_000;

export interface PresenceContent {
  presence: PresenceState;
  last_active_ago?: number;
  status_msg?: string | null;
  currently_active?: boolean;
}

export interface PresenceEvent {
  readonly type: 'm.presence';
  readonly sender: string;
  readonly content: PresenceContent;
}

interface LivePresence {
  state: PresenceState;
  statusMsg: string | null;
  lastActiveTs: number;
  /** Syncs of this user in flight (that affect presence). */
  syncing: number;
  lastSyncTs: number;
}

/** Hears about changes of local users' presence (state or status message). */
export type LocalPresenceListener = (userId: string, content: PresenceContent) => void;

export class PresenceHandler {
  private readonly live = new Map<string, LivePresence>();
  /** Remote users not offline, with when their server last told us. */
  private readonly remoteSeen = new Map<string, number>();
  private readonly localListeners = new Set<LocalPresenceListener>();

  constructor(
    private readonly stores: DataStores,
    private readonly notifier: Notifier,
    persistence: EventsPersistenceController | null,
    shutdown: AbortSignal,
    private readonly now: () => number = Date.now,
  ) {
    const timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    timer.unref();
    shutdown.addEventListener('abort', () => clearInterval(timer));
    persistence?.onPersisted((batch) => {
      for (const { event } of batch.events) if (domainOf(event.sender) === stores.serverName) this.bumpActive(event.sender);
    });
  }

  currentPosition(): number {
    return this.stores.streams.presence.getCurrentToken();
  }

  /** `PUT /presence/{userId}/status`. An absent status message clears it. */
  setPresence(requester: Requester, userId: string, state: PresenceState, statusMsg: string | null): void {
    if (userId !== requester.userId) throw MatrixError.forbidden('Cannot set the presence of another user');
    const live = this.liveOf(userId);
    const now = this.now();
    live.lastSyncTs = Math.max(live.lastSyncTs, now);
    if (state === 'online') live.lastActiveTs = now;
    this.change(userId, live, { state, statusMsg });
  }

  onLocalChange(listener: LocalPresenceListener): () => void {
    this.localListeners.add(listener);
    return () => this.localListeners.delete(listener);
  }

  /**
   * Presence of a remote user as their server sent it (`m.presence` EDU). Stored and news (waking /syncs) when
   * the state or status message changed; otherwise only the last-active time moves.
   */
  receiveRemote(userId: string, content: { presence: PresenceState; statusMsg: string | null; lastActiveAgo: number; currentlyActive: boolean }): void {
    if (domainOf(userId) === this.stores.serverName) return;
    const now = this.now();
    if (content.presence === 'offline') this.remoteSeen.delete(userId);
    else this.remoteSeen.set(userId, now);
    const stored = this.stores.presence.get(userId);
    const lastActiveTs = now - Math.max(0, content.lastActiveAgo);
    if (stored && stored.state === content.presence && stored.statusMsg === content.statusMsg && stored.currentlyActive === content.currentlyActive) return;
    const position = this.stores.presence.update(userId, { state: content.presence, statusMsg: content.statusMsg, lastActiveTs, currentlyActive: content.currentlyActive });
    this.notifier.notifyAll(PRESENCE_STREAM, position);
  }

  /** `GET /presence/{userId}/status`: for yourself and users you share a room with. */
  async getPresence(requester: Requester, userId: string): Promise<PresenceContent> {
    if (userId !== requester.userId) {
      if (domainOf(userId) === this.stores.serverName && !this.stores.users.getUser(userId)) throw MatrixError.notFound(`Unknown user ${userId}`);
      if (!(await this.sharesRoom(requester.userId, userId))) throw MatrixError.forbidden('You are not allowed to see their presence');
    }
    return this.contentOf(userId);
  }

  /** A /sync of the user starts; call the returned function when it ends. */
  userSyncing(userId: string, setPresence: PresenceState): () => void {
    if (setPresence === 'offline' || domainOf(userId) !== this.stores.serverName) return () => {};
    const live = this.liveOf(userId);
    live.syncing++;
    live.lastSyncTs = this.now();
    if (setPresence === 'online' && live.state === 'offline') {
      live.lastActiveTs = this.now();
      this.change(userId, live, { state: 'online' });
    } else if (setPresence === 'unavailable' && live.state !== 'unavailable') {
      this.change(userId, live, { state: 'unavailable' });
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      live.syncing--;
      live.lastSyncTs = this.now();
    };
  }

  /** The user did something (sent an event): an idle user is online again. */
  bumpActive(userId: string): void {
    const live = this.liveOf(userId);
    live.lastActiveTs = this.now();
    if (live.state === 'unavailable') this.change(userId, live, { state: 'online' });
  }

  /**
   * Presence events for /sync: on an initial sync (`from` null) everyone in `userIds` who is not offline; on an
   * incremental one, whoever of them changed in (from, to].
   */
  presenceForSync(userIds: ReadonlySet<string>, from: number | null, to: number): PresenceEvent[] {
    const rows =
      from === null
        ? this.stores.presence.getMany([...userIds]).filter((row) => row.streamId <= to && row.state !== 'offline')
        : this.stores.presence.changedBetween(from, to).filter((row) => userIds.has(row.userId));
    return rows.map((row) => ({ type: 'm.presence', sender: row.userId, content: this.contentOf(row.userId, row) }));
  }

  private contentOf(userId: string, stored?: PresenceStatus): PresenceContent {
    const live = this.live.get(userId);
    const status = live ?? stored ?? this.stores.presence.get(userId);
    if (!status) return { presence: 'offline' };
    const now = this.now();
    const content: PresenceContent = { presence: status.state, last_active_ago: Math.max(0, now - status.lastActiveTs) };
    if (status.statusMsg !== null) content.status_msg = status.statusMsg;
    if (status.state === 'online') content.currently_active = now - status.lastActiveTs < CURRENTLY_ACTIVE_MS;
    return content;
  }

  private liveOf(userId: string): LivePresence {
    let live = this.live.get(userId);
    if (!live) {
      const stored = this.stores.presence.get(userId);
      live = {
        state: stored?.state ?? 'offline',
        statusMsg: stored?.statusMsg ?? null,
        lastActiveTs: stored?.lastActiveTs ?? 0,
        syncing: 0,
        lastSyncTs: 0,
      };
      this.live.set(userId, live);
    }
    return live;
  }

  private change(userId: string, live: LivePresence, update: { state: PresenceState; statusMsg?: string | null }): void {
    const statusMsg = update.statusMsg === undefined ? live.statusMsg : update.statusMsg;
    if (update.state === live.state && statusMsg === live.statusMsg) return;
    live.state = update.state;
    live.statusMsg = statusMsg;
    const now = this.now();
    const position = this.stores.presence.update(userId, {
      state: live.state,
      statusMsg: live.statusMsg,
      lastActiveTs: live.lastActiveTs,
      currentlyActive: live.state === 'online' && now - live.lastActiveTs < CURRENTLY_ACTIVE_MS,
    });
    // Anyone sharing a room may see it; on a desktop server that is cheap to work out by waking everyone.
    this.notifier.notifyAll(PRESENCE_STREAM, position);
    if (this.localListeners.size > 0) {
      const content = this.contentOf(userId);
      for (const listener of this.localListeners) listener(userId, content);
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [userId, seen] of this.remoteSeen) {
      if (now - seen <= REMOTE_PRESENCE_TIMEOUT_MS) continue;
      this.remoteSeen.delete(userId);
      const stored = this.stores.presence.get(userId);
      if (stored && stored.state !== 'offline') {
        const position = this.stores.presence.update(userId, { ...stored, state: 'offline', currentlyActive: false });
        this.notifier.notifyAll(PRESENCE_STREAM, position);
      }
    }
    for (const [userId, live] of this.live) {
      if (live.state !== 'offline' && live.syncing === 0 && now - live.lastSyncTs > SYNC_ONLINE_TIMEOUT_MS) {
        this.change(userId, live, { state: 'offline' });
      } else if (live.state === 'online' && now - live.lastActiveTs > IDLE_TIMEOUT_MS) {
        this.change(userId, live, { state: 'unavailable' });
      }
    }
  }

  private async sharesRoom(userId: string, otherUserId: string): Promise<boolean> {
    for (const roomId of await this.stores.members.getRoomsForUser(userId)) {
      if ((await this.stores.members.getUsersInRoom(roomId)).includes(otherUserId)) return true;
    }
    return false;
  }
}
