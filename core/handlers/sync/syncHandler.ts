/**
 * `GET /sync` (client-server API, "Syncing"): an initial sync (no `since`) answers at once with every room's
 * latest events and state; an incremental one answers what changed after `since`, waiting up to `timeout` for
 * something to change. Each pass reads the current position of every stream first (the response's
 * `next_batch`) and answers up to exactly those positions, so nothing is sent twice or skipped; the notifier
 * listener is opened before that read, so news arriving during the pass wakes the next wait at once.
 *
 * Which rooms appear, from `local_current_membership` (kept after the server leaves a room, forgotten rooms
 * hidden):
 * - joined: all on an initial sync; on an incremental one those with news, and those joined since `since` (or
 *   left and rejoined) with their full state and latest events, as if on an initial sync;
 * - invited / knocked: all on an initial sync, new ones on an incremental one (invites from ignored users hidden);
 * - left (left, kicked, banned): on an incremental sync those left since `since`, up to the leave; on an initial
 *   sync only with `include_leave`, except that kicks and bans always show (as Synapse does).
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { LocalMembership } from '../../storage/databases/main/roomMembersReadStore.ts';
import type { AccountDataEntry } from '../../storage/databases/main/accountDataStore.ts';
import type { StoredReceipt } from '../../storage/databases/main/receiptsStore.ts';
import type { PresenceState } from '../../storage/databases/main/presenceStore.ts';
import type { Notifier } from '../../replication/notifier.ts';
import type { StreamPosition } from '../../replication/streamPosition.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import type { AccountDataHandler } from '../accountData/accountDataHandler.ts';
import type { TypingHandler } from '../typing/typingHandler.ts';
import type { PresenceHandler } from '../presence/presenceHandler.ts';
import type { FilterHandler } from './filterHandler.ts';
import type { SyncFilter } from './syncFilter.ts';
import type { UnreadCountsSource } from './unreadCounts.ts';
import type { SyncSourceStream, SyncStreamSource } from './syncStreamSource.ts';
import type { SyncResponse } from './syncResponse.ts';
import { ReceiptUnreadCounts } from './receiptUnreadCounts.ts';
import { RoomTimelineLoader } from './roomTimelineLoader.ts';
import { LazyMembersCache } from './lazyMembersCache.ts';
import { RoomSyncBuilder, type RoomPlan, type SyncPass } from './roomSyncBuilder.ts';
import { encodeSyncToken, minSyncToken, parseSyncToken, type SyncToken } from './syncToken.ts';

/** Longer `timeout`s are cut to this. */
export const MAX_SYNC_TIMEOUT_MS = 5 * 60_000;
/** How long an incremental sync waits for this instance's events stream to reach a `since` from another instance. */
const CATCH_UP_WAIT_MS = 10_000;

const MEMBERSHIPS = ['join', 'invite', 'knock', 'leave', 'ban'] as const;

export interface SyncRequest {
  readonly userId: string;
  readonly deviceId: string;
  /** The `since` token as given, or null for an initial sync. */
  readonly since: string | null;
  /** The `filter` parameter as given (a filter ID or inline JSON), or null. */
  readonly filter: string | null;
  readonly fullState: boolean;
  readonly timeoutMs: number;
  readonly setPresence: PresenceState;
  /** Aborted when the client goes away: a waiting sync then stops waiting. */
  readonly signal?: AbortSignal;
}

export interface SyncHandlerDeps {
  readonly stores: DataStores;
  readonly notifier: Notifier;
  /** This instance's view of the events stream. */
  readonly eventsPosition: StreamPosition;
  /**
   * This instance follows the events writer: a `since` ahead of its events position is waited for a moment
   * (the client last synced with an instance that was further along). On the writer it is simply clamped.
   */
  readonly followsEventsWriter?: boolean;
  readonly serializer: EventSerializer;
  readonly visibility: VisibilityFilter;
  readonly filters: FilterHandler;
  readonly accountData: AccountDataHandler;
  readonly typing: TypingHandler;
  readonly presence: PresenceHandler;
  /** Defaults to ReceiptUnreadCounts. */
  readonly unreadCounts?: UnreadCountsSource;
  /** The sources of the token slots /sync does not own (syncStreamSource.ts; also `addStreamSource`). */
  readonly pushRules?: SyncStreamSource;
  readonly toDevice?: SyncStreamSource;
  readonly deviceLists?: SyncStreamSource;
}

/** Sources fill their slots in this order. */
const SOURCE_STREAMS: readonly SyncSourceStream[] = ['push_rules', 'to_device', 'device_lists'];

interface PassResult {
  readonly response: SyncResponse;
  readonly hasNews: boolean;
}

export class SyncHandler {
  private readonly rooms: RoomSyncBuilder;
  private readonly sources = new Map<SyncSourceStream, SyncStreamSource>();

  constructor(private readonly deps: SyncHandlerDeps) {
    const given: Record<SyncSourceStream, SyncStreamSource | undefined> = { push_rules: deps.pushRules, to_device: deps.toDevice, device_lists: deps.deviceLists };
    for (const stream of SOURCE_STREAMS) {
      const source = given[stream];
      if (source) this.sources.set(stream, source);
    }
    this.rooms = new RoomSyncBuilder({
      stores: deps.stores,
      serializer: deps.serializer,
      timelines: new RoomTimelineLoader(deps.stores, deps.visibility),
      typing: deps.typing,
      lazyMembers: new LazyMembersCache(),
      unreadCounts: deps.unreadCounts ?? new ReceiptUnreadCounts(deps.stores),
    });
  }

  /** The server is shutting down (waiting syncs have been answered). */
  get stopping(): boolean {
    return this.deps.notifier.shutdown.aborted;
  }

  /** Plugs in the source of a token slot (replacing any earlier one). */
  addStreamSource(stream: SyncSourceStream, source: SyncStreamSource): void {
    this.sources.set(stream, source);
  }

  /** The position of every stream now: what a response's `next_batch` carries. */
  currentToken(): SyncToken {
    const { stores } = this.deps;
    return {
      events: this.deps.eventsPosition.current(),
      account_data: stores.streams.accountData.getCurrentToken(),
      receipts: stores.streams.receipts.getCurrentToken(),
      typing: this.deps.typing.currentPosition(),
      presence: this.deps.presence.currentPosition(),
      push_rules: this.sources.get('push_rules')?.currentPosition() ?? 0,
      to_device: this.sources.get('to_device')?.currentPosition() ?? 0,
      device_lists: this.sources.get('device_lists')?.currentPosition() ?? 0,
    };
  }

  async sync(request: SyncRequest): Promise<SyncResponse> {
    const filter = await this.deps.filters.syncFilter(request.userId, request.filter);
    let since = request.since === null ? null : parseSyncToken(request.since);
    const done = this.deps.presence.userSyncing(request.userId, request.setPresence);
    try {
      if (this.deps.followsEventsWriter && since !== null && since.events > this.deps.eventsPosition.current()) {
        await this.deps.eventsPosition.waitFor(since.events, CATCH_UP_WAIT_MS);
      }
      // A token from the future (a restarted in-memory stream, another instance ahead of us) is read as "now".
      if (since !== null) since = minSyncToken(since, this.currentToken());
      const timeoutMs = since === null || request.fullState ? 0 : Math.min(Math.max(request.timeoutMs, 0), MAX_SYNC_TIMEOUT_MS);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const listener = this.deps.notifier.listen(request.userId, await this.deps.stores.members.getRoomsForUser(request.userId));
        try {
          const now = this.currentToken();
          const result = await this.pass(request, filter, since, now);
          const remaining = deadline - Date.now();
          if (result.hasNews || remaining <= 0 || request.signal?.aborted || this.deps.notifier.shutdown.aborted) return result.response;
          if (!(await listener.waitBeyond(now, remaining, request.signal))) return result.response;
        } finally {
          listener.close();
        }
      }
    } finally {
      done();
    }
  }

  private async pass(request: SyncRequest, filter: SyncFilter, since: SyncToken | null, now: SyncToken): Promise<PassResult> {
    const { stores } = this.deps;
    const userId = request.userId;
    const pass: SyncPass = {
      userId,
      deviceId: request.deviceId,
      filter,
      since,
      now,
      ignoredUsers: this.deps.accountData.getIgnoredUsers(userId),
      nowMs: Date.now(),
    };
    const response: SyncResponse = {
      next_batch: encodeSyncToken(now),
      rooms: { join: {}, invite: {}, leave: {}, knock: {} },
      account_data: { events: [] },
      presence: { events: [] },
      to_device: { events: [] },
    };

    const accountData = since === null ? stores.accountData.allForUser(userId, now.account_data) : stores.accountData.changedForUser(userId, since.account_data, now.account_data);
    const roomAccountData = new Map<string, AccountDataEntry[]>();
    for (const entry of accountData) {
      if (entry.roomId === null) continue;
      let list = roomAccountData.get(entry.roomId);
      if (!list) roomAccountData.set(entry.roomId, (list = []));
      list.push(entry);
    }
    const changedReceipts = new Map<string, StoredReceipt[]>();
    if (since !== null) {
      for (const receipt of stores.receipts.changedBetween(since.receipts, now.receipts)) {
        let list = changedReceipts.get(receipt.roomId);
        if (!list) changedReceipts.set(receipt.roomId, (list = []));
        list.push(receipt);
      }
    }
    const roomsWithEvents = since === null ? new Set<string>() : stores.syncEvents.roomsWithEventsBetween(since.events, now.events);
    const roomsWithTyping = new Set(since === null ? [] : this.deps.typing.roomsChangedBetween(since.typing, now.typing));

    const joinedRoomIds: string[] = [];
    const newlyJoined: string[] = [];
    const newlyLeft: string[] = [];
    for (const membership of this.membershipsAt(userId, now.events)) {
      const roomId = membership.roomId;
      const changedSinceToken = since === null || membership.streamOrdering > since.events;
      const left = membership.membership === 'leave' || membership.membership === 'ban';
      // Joins and leaves count for stream sources (device lists) whatever the room filter shows.
      const newly = membership.membership === 'join' && since !== null && changedSinceToken && this.joinedSince(userId, roomId, since.events, membership.streamOrdering);
      if (membership.membership === 'join') joinedRoomIds.push(roomId);
      if (newly) newlyJoined.push(roomId);
      if (left && since !== null && changedSinceToken) newlyLeft.push(roomId);
      if (!filter.allowsRoom(roomId)) continue;
      switch (membership.membership) {
        case 'join': {
          const full = since === null || newly;
          const hasNews =
            full ||
            request.fullState ||
            roomsWithEvents.has(roomId) ||
            roomsWithTyping.has(roomId) ||
            changedReceipts.has(roomId) ||
            roomAccountData.has(roomId);
          if (!hasNews) break;
          const plan: RoomPlan = {
            timelineAfter: full ? null : since!.events,
            stateSince: full || request.fullState ? null : since!.events,
            fullEphemeral: full,
            changedReceipts: changedReceipts.get(roomId) ?? [],
            accountData: full && since !== null ? this.roomAccountDataOf(userId, roomId, now.account_data) : (roomAccountData.get(roomId) ?? []),
            alwaysInclude: full || request.fullState,
          };
          const room = await this.rooms.joinedRoom(pass, roomId, plan);
          if (room) response.rooms.join[roomId] = room;
          break;
        }
        case 'invite': {
          if (!changedSinceToken) break;
          const room = await this.rooms.invitedRoom(pass, membership.eventId);
          if (room) response.rooms.invite[roomId] = room;
          break;
        }
        case 'knock': {
          if (!changedSinceToken) break;
          const room = await this.rooms.knockedRoom(membership.eventId);
          if (room) response.rooms.knock[roomId] = room;
          break;
        }
        case 'leave':
        case 'ban': {
          if (since === null) {
            if (!filter.includeLeave && !(await this.removedByOthers(userId, membership))) break;
          } else if (!changedSinceToken) {
            break;
          }
          // Incremental up to the leave when the user was joined at `since`; otherwise the whole story.
          const wasJoined = since !== null && stores.syncEvents.membershipAt(userId, roomId, since.events) === 'join';
          const plan: RoomPlan = {
            timelineAfter: wasJoined ? since!.events : null,
            stateSince: wasJoined ? since!.events : null,
            fullEphemeral: false,
            changedReceipts: [],
            accountData: roomAccountData.get(roomId) ?? [],
            alwaysInclude: since === null,
          };
          const room = await this.rooms.leftRoom(pass, roomId, membership, plan);
          if (room) response.rooms.leave[roomId] = room;
          break;
        }
      }
    }

    response.account_data.events = accountData
      .filter((e) => e.roomId === null && filter.accountData.allowsType(e.type))
      .slice(0, filter.accountDataLimit ?? undefined)
      .map((e) => ({ type: e.type, content: e.content }));

    if (since === null || since.presence < now.presence || newlyJoined.length > 0) {
      const interested = await this.usersSharingRooms(userId, joinedRoomIds);
      let presence = this.deps.presence.presenceForSync(interested, since?.presence ?? null, now.presence);
      if (since !== null && newlyJoined.length > 0) {
        // New room-mates' presence comes with the room, whatever its age.
        const newMates = await this.usersSharingRooms(userId, newlyJoined);
        const seen = new Set(presence.map((p) => p.sender));
        presence = [...presence, ...this.deps.presence.presenceForSync(newMates, null, now.presence).filter((p) => !seen.has(p.sender))];
      }
      response.presence.events = presence.filter((p) => filter.presence.allowsType(p.type) && filter.presence.allowsSender(p.sender)).slice(0, filter.presenceLimit ?? undefined);
    }

    let sourcesHaveNews = false;
    const partial: Partial<Record<SyncSourceStream, number>> = {};
    for (const stream of SOURCE_STREAMS) {
      const source = this.sources.get(stream);
      if (!source) continue;
      const context = {
        userId,
        deviceId: request.deviceId,
        from: since?.[stream] ?? null,
        to: now[stream],
        joinedRoomIds,
        newlyJoinedRoomIds: newlyJoined,
        newlyLeftRoomIds: newlyLeft,
        filter,
      };
      const outcome = await source.addToSync(context, response);
      if (outcome === true) sourcesHaveNews = true;
      else if (outcome !== false) {
        sourcesHaveNews = true;
        partial[stream] = outcome.upTo;
      }
    }
    if (Object.keys(partial).length > 0) response.next_batch = encodeSyncToken({ ...now, ...partial });

    const rooms = response.rooms;
    const hasNews =
      sourcesHaveNews ||
      Object.keys(rooms.join).length + Object.keys(rooms.invite).length + Object.keys(rooms.leave).length + Object.keys(rooms.knock).length > 0 ||
      response.account_data.events.length > 0 ||
      response.presence.events.length > 0 ||
      response.to_device.events.length > 0;
    return { response, hasNews };
  }

  /**
   * The user's memberships as of events position `position`: rows of `local_current_membership` written after it
   * (a persist that finished during this pass, or that this instance has not caught up with) are replaced by
   * the membership in force at `position`.
   */
  private membershipsAt(userId: string, position: number): LocalMembership[] {
    const { stores } = this.deps;
    const result: LocalMembership[] = [];
    for (const row of stores.members.getRoomsForLocalUserWhereMembershipIs(userId, MEMBERSHIPS)) {
      if (row.streamOrdering <= position) {
        result.push(row);
        continue;
      }
      const earlier = stores.syncEvents.membershipEventAt(userId, row.roomId, position);
      if (earlier && (MEMBERSHIPS as readonly string[]).includes(earlier.membership)) result.push({ roomId: row.roomId, ...earlier });
    }
    return result;
  }

  /** Whether a room the user is joined to now was joined (or left and rejoined) in (since, upTo]. */
  private joinedSince(userId: string, roomId: string, since: number, upTo: number): boolean {
    const { syncEvents } = this.deps.stores;
    if (syncEvents.membershipAt(userId, roomId, since) !== 'join') return true;
    return syncEvents.membershipsBetween(userId, roomId, since, upTo).some((m) => m !== 'join');
  }

  /** A kick or ban (someone else's doing), which an initial sync always shows. */
  private async removedByOthers(userId: string, membership: LocalMembership): Promise<boolean> {
    if (membership.membership === 'ban') return true;
    const event = await this.deps.stores.events.getEvent(membership.eventId);
    return event !== null && event.event.sender !== userId;
  }

  private roomAccountDataOf(userId: string, roomId: string, upTo: number): AccountDataEntry[] {
    return this.deps.stores.accountData.allForUser(userId, upTo).filter((e) => e.roomId === roomId);
  }

  /** The user and everyone joined to these rooms. */
  private async usersSharingRooms(userId: string, roomIds: readonly string[]): Promise<Set<string>> {
    const users = new Set<string>([userId]);
    for (const roomId of roomIds) for (const member of await this.deps.stores.members.getUsersInRoom(roomId)) users.add(member);
    return users;
  }
}
