/**
 * One room's entry in a /sync response (sync.yaml "Joined Room", "Left Room", "Invited Room", "Knocked Room"):
 * - `timeline`: the latest events of the range (RoomTimelineLoader), `limited`, and `prev_batch`, a room
 *   pagination token (`s<stream>`) just before the first event;
 * - `state`: the state at the start of the timeline (full), or how it changed since `since` up to that start
 *   (incremental), never repeating timeline events. State at a stream position is the state group after the
 *   room's last event at or below it. With `lazy_load_members`, member events are only those of the timeline's
 *   senders, the user (in full state) and the summary's heroes, minus the ones this device already has, plus
 *   every membership change in a gap (which the spec requires even when redundant);
 * - `summary` when membership may have changed; `ephemeral` typing and receipts (private receipts only for their
 *   own user); the room's `account_data`; `unread_notifications` from the injected source.
 */
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { AccountDataEntry } from '../../storage/databases/main/accountDataStore.ts';
import type { StoredReceipt } from '../../storage/databases/main/receiptsStore.ts';
import { SUMMARY_HERO_COUNT } from '../../storage/databases/main/roomSummaryReadStore.ts';
import { parseStateKey, stateKey, type StateKeyTuple, type StateMap } from '../../state/stateMap.ts';
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import { encodeRoomToken, streamToken } from '../events/roomPaginationToken.ts';
import type { TypingHandler } from '../typing/typingHandler.ts';
import { PRIVATE_READ_RECEIPT } from '../receipts/receiptsHandler.ts';
import type { SyncFilter } from './syncFilter.ts';
import type { SyncToken } from './syncToken.ts';
import type { RoomTimelineLoader, LoadedTimeline } from './roomTimelineLoader.ts';
import type { LazyMembersCache } from './lazyMembersCache.ts';
import type { UnreadCountsSource } from './unreadCounts.ts';
import { onlyEventFields } from './eventFields.ts';
import { strippedStateFor } from './strippedState.ts';
import type {
  BasicEvent,
  InvitedRoomSync,
  JoinedRoomSync,
  KnockedRoomSync,
  LeftRoomSync,
  RoomSummary,
  SyncRoomEvent,
  Timeline,
} from './syncResponse.ts';

/** What every room of one sync pass shares. */
export interface SyncPass {
  readonly userId: string;
  readonly deviceId: string;
  readonly filter: SyncFilter;
  readonly since: SyncToken | null;
  readonly now: SyncToken;
  readonly ignoredUsers: ReadonlySet<string>;
  /** Wall-clock time of the pass, for `age`. */
  readonly nowMs: number;
}

/** How much of a room to send. */
export interface RoomPlan {
  /** Timeline events after this position; null for the latest ones whatever their age. */
  readonly timelineAfter: number | null;
  /** State changed since this position; null for the full state at the timeline start. */
  readonly stateSince: number | null;
  /** Typing and receipts: the whole current picture, or what changed since `since`. */
  readonly fullEphemeral: boolean;
  /** Receipts changed since `since` (ignored with fullEphemeral). */
  readonly changedReceipts: readonly StoredReceipt[];
  readonly accountData: readonly AccountDataEntry[];
  /** Include the room even when nothing in it changed (initial sync, newly joined, full_state). */
  readonly alwaysInclude: boolean;
}

export interface RoomSyncBuilderDeps {
  readonly stores: DataStores;
  readonly serializer: EventSerializer;
  readonly timelines: RoomTimelineLoader;
  readonly typing: TypingHandler;
  readonly lazyMembers: LazyMembersCache;
  readonly unreadCounts: UnreadCountsSource;
}

interface RoomStateResult {
  readonly events: readonly StoredEvent[];
  readonly summary: RoomSummary | null;
}

const MEMBER = 'm.room.member';

export class RoomSyncBuilder {
  constructor(private readonly deps: RoomSyncBuilderDeps) {}

  async joinedRoom(pass: SyncPass, roomId: string, plan: RoomPlan): Promise<JoinedRoomSync | null> {
    const timeline = await this.deps.timelines.load({
      userId: pass.userId,
      roomId,
      after: plan.timelineAfter,
      upTo: pass.now.events,
      limit: pass.filter.timelineLimit,
      filter: pass.filter.timeline,
      ignoredUsers: pass.ignoredUsers,
      isPeeking: false,
    });
    const state = await this.roomState(pass, roomId, timeline, plan.stateSince, true);
    const ephemeral = await this.ephemeral(pass, roomId, plan);
    const accountData = this.roomAccountData(pass, roomId, plan.accountData);
    if (!plan.alwaysInclude && timeline.events.length === 0 && state.events.length === 0 && ephemeral.length === 0 && accountData.length === 0) {
      return null;
    }
    const room: JoinedRoomSync = {
      state: { events: await this.serialize(pass, state.events) },
      timeline: await this.timeline(pass, timeline),
      ephemeral: { events: ephemeral },
      account_data: { events: accountData },
      unread_notifications: await this.deps.unreadCounts.getUnreadCounts(pass.userId, roomId),
    };
    if (state.summary) room.summary = state.summary;
    return room;
  }

  /**
   * A room the user left (or was kicked or banned from), up to and including the leave. A leave that reached us
   * out of band (a rejected remote invite) is its own timeline.
   */
  async leftRoom(pass: SyncPass, roomId: string, leave: { eventId: string; streamOrdering: number }, plan: RoomPlan): Promise<LeftRoomSync | null> {
    const leaveEvent = await this.deps.stores.events.getEvent(leave.eventId);
    if (!leaveEvent) return null;
    const accountData = this.roomAccountData(pass, roomId, plan.accountData);
    if (leaveEvent.outlier) {
      return {
        state: { events: [] },
        timeline: { events: await this.serialize(pass, [leaveEvent]), limited: false, prev_batch: encodeRoomToken(streamToken(leave.streamOrdering)) },
        account_data: { events: accountData },
      };
    }
    const isPeeking = !this.deps.stores.syncEvents.everJoined(pass.userId, roomId, leave.streamOrdering);
    const timeline = await this.deps.timelines.load({
      userId: pass.userId,
      roomId,
      after: plan.timelineAfter,
      upTo: leave.streamOrdering,
      limit: pass.filter.timelineLimit,
      filter: pass.filter.timeline,
      ignoredUsers: pass.ignoredUsers,
      isPeeking,
    });
    const state = await this.roomState(pass, roomId, timeline, plan.stateSince, false);
    if (!plan.alwaysInclude && timeline.events.length === 0 && state.events.length === 0 && accountData.length === 0) return null;
    return {
      state: { events: await this.serialize(pass, state.events) },
      timeline: await this.timeline(pass, timeline),
      account_data: { events: accountData },
    };
  }

  /** An invite, unless its sender is ignored. */
  async invitedRoom(pass: SyncPass, eventId: string): Promise<InvitedRoomSync | null> {
    const invite = await this.deps.stores.events.getEvent(eventId);
    if (!invite || pass.ignoredUsers.has(invite.event.sender)) return null;
    return { invite_state: { events: await strippedStateFor(this.deps.stores, invite.event) } };
  }

  async knockedRoom(eventId: string): Promise<KnockedRoomSync | null> {
    const knock = await this.deps.stores.events.getEvent(eventId);
    if (!knock) return null;
    return { knock_state: { events: await strippedStateFor(this.deps.stores, knock.event) } };
  }

  private async timeline(pass: SyncPass, timeline: LoadedTimeline): Promise<Timeline> {
    return {
      events: await this.serialize(pass, timeline.events),
      limited: timeline.limited,
      prev_batch: encodeRoomToken(streamToken(timeline.startPosition)),
    };
  }

  private async roomState(pass: SyncPass, roomId: string, timeline: LoadedTimeline, stateSince: number | null, withSummary: boolean): Promise<RoomStateResult> {
    const { stores, lazyMembers } = this.deps;
    let startGroup = stores.syncEvents.stateGroupAt(roomId, timeline.startPosition);
    if (startGroup === null && timeline.events.length > 0) {
      // Nothing of the room precedes the timeline in our stream: a room joined over federation, whose earlier
      // state arrived as outliers with the join. The state after the first timeline event stands in (that event
      // itself is dropped below, being in the timeline).
      startGroup = stores.stateGroups.getStateGroupsForEvents([timeline.events[0]!.event.eventId]).get(timeline.events[0]!.event.eventId) ?? null;
    }
    const atStart = await this.stateOfGroup(startGroup);
    let chosen = new Map<StateKeyTuple, string>();
    if (stateSince === null) {
      chosen = new Map(atStart);
    } else {
      const sinceGroup = stores.syncEvents.stateGroupAt(roomId, stateSince);
      if (sinceGroup !== startGroup) {
        const before = await this.stateOfGroup(sinceGroup);
        for (const [key, eventId] of atStart) if (before.get(key) !== eventId) chosen.set(key, eventId);
      }
    }
    const inTimeline = new Set(timeline.events.map((e) => e.event.eventId));
    for (const [key, eventId] of chosen) if (inTimeline.has(eventId)) chosen.delete(key);

    const membersMayHaveChanged =
      stateSince === null || [...chosen.keys()].some((key) => parseStateKey(key).type === MEMBER) || timeline.events.some((e) => e.event.type === MEMBER);
    const summary = withSummary && membersMayHaveChanged ? await this.summary(pass.userId, roomId) : null;

    if (stateSince === null) lazyMembers.reset(pass.userId, pass.deviceId, roomId);
    if (pass.filter.lazyLoadMembers) {
      const kept = new Map<StateKeyTuple, string>();
      // In a gap every membership change is sent, redundant or not; a full state starts from no members.
      for (const [key, eventId] of chosen) if (stateSince !== null || parseStateKey(key).type !== MEMBER) kept.set(key, eventId);
      const wanted = new Set(timeline.events.map((e) => e.event.sender));
      if (stateSince === null) wanted.add(pass.userId);
      for (const hero of summary?.['m.heroes'] ?? []) wanted.add(hero);
      for (const member of wanted) {
        const key = stateKey(MEMBER, member);
        const eventId = atStart.get(key);
        if (eventId === undefined || kept.has(key) || inTimeline.has(eventId)) continue;
        if (!pass.filter.includeRedundantMembers && lazyMembers.wasSent(pass.userId, pass.deviceId, roomId, member, eventId)) continue;
        kept.set(key, eventId);
      }
      chosen = kept;
    }

    const loaded = await stores.events.getEvents([...chosen.values()]);
    const events = [...chosen.values()]
      .map((id) => loaded.get(id))
      .filter((e): e is StoredEvent => e !== null && e !== undefined)
      .filter((e) => pass.filter.state.matches({ type: e.event.type, sender: e.event.sender, roomId, content: e.event.content }))
      .sort((a, b) => a.streamOrdering - b.streamOrdering);

    if (pass.filter.lazyLoadMembers) {
      const sentMembers = new Map<string, string>();
      for (const e of [...events, ...timeline.events]) if (e.event.type === MEMBER && e.event.stateKey !== null) sentMembers.set(e.event.stateKey, e.event.eventId);
      lazyMembers.recordSent(pass.userId, pass.deviceId, roomId, sentMembers);
    }
    return { events, summary };
  }

  private async stateOfGroup(group: number | null): Promise<StateMap> {
    return group === null ? new Map() : this.deps.stores.stateGroups.getStateForGroup(group);
  }

  /** Member counts, and heroes when the room has neither a name nor a canonical alias. */
  private async summary(userId: string, roomId: string): Promise<RoomSummary> {
    const { stores } = this.deps;
    const members = await stores.roomSummaries.getRoomMemberSummary(roomId);
    const summary: RoomSummary = { 'm.joined_member_count': members.joinedCount, 'm.invited_member_count': members.invitedCount };
    if (!(await this.hasNameOrAlias(roomId))) {
      let heroes = members.activeMembers.filter((u) => u !== userId).slice(0, SUMMARY_HERO_COUNT);
      if (heroes.length === 0) heroes = members.formerMembers.filter((u) => u !== userId).slice(0, SUMMARY_HERO_COUNT);
      summary['m.heroes'] = heroes;
    }
    return summary;
  }

  private async hasNameOrAlias(roomId: string): Promise<boolean> {
    const { stores } = this.deps;
    const current = await stores.roomState.getCurrentStateIds(roomId);
    const ids = [current.get(stateKey('m.room.name', '')), current.get(stateKey('m.room.canonical_alias', ''))].filter((id): id is string => id !== undefined);
    for (const stored of (await stores.events.getEvents(ids)).values()) {
      const content = stored?.event.content;
      if (!content) continue;
      if (typeof content.name === 'string' && content.name !== '') return true;
      if (typeof content.alias === 'string' && content.alias !== '') return true;
    }
    return false;
  }

  private async ephemeral(pass: SyncPass, roomId: string, plan: RoomPlan): Promise<BasicEvent[]> {
    const filter = pass.filter.ephemeral;
    if (!filter.allowsRoom(roomId)) return [];
    const events: BasicEvent[] = [];
    const typing = this.deps.typing;
    const typingChanged = plan.fullEphemeral ? typing.typingUsers(roomId).length > 0 : typing.changedSince(roomId, pass.since?.typing ?? 0);
    if (typingChanged && filter.allowsType('m.typing')) events.push({ type: 'm.typing', content: { user_ids: typing.typingUsers(roomId) } });
    if (filter.allowsType('m.receipt')) {
      const receipts = plan.fullEphemeral ? this.deps.stores.receipts.forRoom(roomId, pass.now.receipts) : plan.changedReceipts;
      const content: Record<string, Record<string, Record<string, JsonObject>>> = {};
      for (const r of receipts) {
        if (r.receiptType === PRIVATE_READ_RECEIPT && r.userId !== pass.userId) continue;
        if (pass.ignoredUsers.has(r.userId)) continue;
        ((content[r.eventId] ??= {})[r.receiptType] ??= {})[r.userId] = r.data;
      }
      if (Object.keys(content).length > 0) events.push({ type: 'm.receipt', content: content as JsonObject });
    }
    return events;
  }

  private roomAccountData(pass: SyncPass, roomId: string, entries: readonly AccountDataEntry[]): BasicEvent[] {
    const filter = pass.filter.roomAccountData;
    if (!filter.allowsRoom(roomId)) return [];
    return entries.filter((e) => filter.allowsType(e.type)).map((e) => ({ type: e.type, content: e.content }));
  }

  private async serialize(pass: SyncPass, stored: readonly StoredEvent[]): Promise<SyncRoomEvent[]> {
    let events: SyncRoomEvent[];
    if (pass.filter.eventFormat === 'federation') {
      events = stored.map((s) => s.event.toPduJson() as unknown as SyncRoomEvent);
    } else {
      const requester = { userId: pass.userId, deviceId: pass.deviceId };
      events = (await this.deps.serializer.serialize(stored, { requester, omitRoomId: true, now: pass.nowMs })) as unknown as SyncRoomEvent[];
    }
    const fields = pass.filter.eventFields;
    return fields === null ? events : events.map((e) => onlyEventFields(e, fields));
  }
}
