/**
 * Persists events (SEED-BEHAVIOURS.md §2, tier 1): a per-room ordered queue that batches whatever is waiting
 * into one transaction; for each batch it computes the new forward extremities and the current-state delta
 * (resolving state when the room has several extremities), detects that the server is no longer in the room,
 * updates `local_current_membership` (§6), writes through PersistEventsStore, then advances the events stream,
 * invalidates or prefills caches, and tells listeners. Exists only on the events writer.
 */
import type { RoomEvent } from '../../events/roomEvent.ts';
import type { EventContext } from '../../state/eventContext.ts';
import { domainOf } from '../../events/identifiers.ts';
import { allStatesEqual, withInMemoryEvents, type StateResolver } from '../../state/stateResolver.ts';
import { diffState, isEmptyDelta, parseStateKey, type StateDelta, type StateMap } from '../../state/stateMap.ts';
import { memberKeysOf } from '../../state/joinedUsers.ts';
import type { DataStores } from '../databases/mainDataStore.ts';
import { NotEventsWriterError } from '../databases/main/eventsWriterGuard.ts';
import type { CurrentStateChange, EventToPersist, LocalMembershipChange, PersistEventsStore } from '../databases/main/persistEventsStore.ts';
import type { StoredEventRow } from '../databases/main/eventsReadStore.ts';
import type { StateController } from './stateController.ts';
import { currentStateMembershipInvalidation, type CacheInvalidationStream, type PendingInvalidation } from './cacheInvalidationStream.ts';

export interface EventToQueue {
  readonly event: RoomEvent;
  readonly context: EventContext;
  /**
   * Built by this server just now and never stored or shown to anyone: it cannot be a duplicate, have children,
   * or sit in any cache, so those lookups are skipped. Only for events fresh from the event builder.
   */
  readonly builtHere?: boolean;
}

export interface PersistedEvent {
  readonly eventId: string;
  readonly streamOrdering: number;
  /** False when the event was already stored (the existing position is returned). */
  readonly newlyPersisted: boolean;
}

/** What listeners (the notifier, federation sender, UI) hear after each committed batch. */
export interface PersistedBatch {
  readonly roomId: string;
  readonly events: readonly { event: RoomEvent; streamOrdering: number; context: EventContext }[];
  readonly maxStreamOrdering: number;
  readonly currentStateDelta: StateDelta | null;
  /** History fetched from another server: old, so nothing should notify or be sent on because of it. */
  readonly backfilled?: boolean;
}

export type PersistListener = (batch: PersistedBatch) => void;

/** Most events written in one transaction; more wait for the next batch. */
export const MAX_EVENTS_PER_BATCH = 200;

interface QueueEntry {
  readonly items: readonly EventToQueue[];
  readonly resolve: (result: PersistedEvent[]) => void;
  readonly reject: (error: unknown) => void;
}

export class EventsPersistenceController {
  private readonly queues = new Map<string, QueueEntry[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly listeners = new Set<PersistListener>();
  private readonly persistStore: PersistEventsStore;

  constructor(
    private readonly stores: DataStores,
    private readonly stateController: StateController,
    private readonly resolver: StateResolver,
    private readonly invalidations: CacheInvalidationStream,
    private readonly now: () => number = Date.now,
  ) {
    if (!stores.persistEvents) throw new NotEventsWriterError(stores.identity, 'EventsPersistenceController');
    this.persistStore = stores.persistEvents;
  }

  onPersisted(listener: PersistListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Queues events of one room and resolves once they are on disk (or were already). Events of a room are
   * persisted in the order they were queued.
   */
  persistEvents(items: readonly EventToQueue[]): Promise<PersistedEvent[]> {
    if (items.length === 0) return Promise.resolve([]);
    const roomId = items[0]!.event.roomId;
    if (items.some((i) => i.event.roomId !== roomId)) return Promise.reject(new Error('persistEvents takes events of one room'));
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(roomId);
      if (!queue) this.queues.set(roomId, (queue = []));
      queue.push({ items, resolve, reject });
      if (!this.running.has(roomId)) this.running.set(roomId, this.drain(roomId));
    });
  }

  /** Drops a local user's pending invite without a leave event (the inviting server is unreachable). */
  async locallyRejectInvite(userId: string, roomId: string): Promise<boolean> {
    // Through the room's queue, so it cannot overtake events of that room already waiting.
    await this.flushRoom(roomId);
    return this.persistStore.deleteLocalMembership(userId, roomId);
  }

  private async flushRoom(roomId: string): Promise<void> {
    while (this.running.has(roomId)) await this.running.get(roomId);
  }

  async persistEvent(event: RoomEvent, context: EventContext, options: { readonly builtHere?: boolean } = {}): Promise<PersistedEvent> {
    const [result] = await this.persistEvents([{ event, context, ...(options.builtHere ? { builtHere: true } : {}) }]);
    return result!;
  }

  /** Resolves when every queued event has been handled (for shutdown: in-flight writes finish). */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async drain(roomId: string): Promise<void> {
    // Let callers in the same tick join the first batch.
    await Promise.resolve();
    for (;;) {
      const queue = this.queues.get(roomId);
      if (!queue || queue.length === 0) {
        // Deregister in the same tick as seeing the queue empty: a caller that queues after this point starts a
        // new worker, instead of finding this one registered but about to return.
        this.queues.delete(roomId);
        this.running.delete(roomId);
        return;
      }
      const batch: QueueEntry[] = [];
      let count = 0;
      // Backfilled history and live events never share a batch: they are positioned and planned differently.
      const backfilled = isBackfilled(queue[0]!);
      while (queue.length > 0 && (batch.length === 0 || (count + queue[0]!.items.length <= MAX_EVENTS_PER_BATCH && isBackfilled(queue[0]!) === backfilled))) {
        const entry = queue.shift()!;
        batch.push(entry);
        count += entry.items.length;
      }
      try {
        const results = await this.persistBatch(roomId, batch.flatMap((e) => e.items));
        let offset = 0;
        for (const entry of batch) {
          entry.resolve(results.slice(offset, offset + entry.items.length));
          offset += entry.items.length;
        }
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  }

  private async persistBatch(roomId: string, items: readonly EventToQueue[]): Promise<PersistedEvent[]> {
    const { events: eventsStore } = this.stores;
    // Events already stored keep their position; duplicates within the batch are written once.
    const alreadyStored = eventsStore.storedPositions(items.filter((i) => !i.builtHere).map((i) => i.event.eventId));
    const fresh: EventToQueue[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const stored = alreadyStored.get(item.event.eventId);
      // An outlier arriving in the DAG is written again (moved into the timeline); anything else held is skipped.
      const deOutlier = stored?.outlier === true && item.event.internal.outlier !== true;
      if ((stored && !deOutlier) || seen.has(item.event.eventId)) continue;
      seen.add(item.event.eventId);
      fresh.push(item);
    }
    const positionOf = new Map<string, PersistedEvent>();
    for (const [eventId, stored] of alreadyStored) {
      if (stored && !seen.has(eventId)) positionOf.set(eventId, { eventId, streamOrdering: stored.streamOrdering, newlyPersisted: false });
    }

    if (fresh.length > 0) {
      const backfilled = fresh.every((item) => item.event.internal.backfilled === true);
      // Live events take the next positions of the events stream; backfilled history takes negative ones.
      const allocation = backfilled ? backfillAllocation(this.stores.streams.backfill.allocate(fresh.length)) : this.stores.streams.events.allocate(fresh.length);
      try {
        const toPersist: EventToPersist[] = fresh.map((item, i) => ({ ...item, streamOrdering: allocation.ids[i]! }));
        // Only events another server could have built on already can have children in the database: remote ones,
        // and ours that were stored before (as outliers). A local event seen for the first time has none.
        const mayHaveChildren = new Set(
          fresh
            .filter((item) => !item.builtHere && (alreadyStored.has(item.event.eventId) || domainOf(item.event.sender) !== this.stores.serverName))
            .map((item) => item.event.eventId),
        );
        const plan = backfilled ? NO_ROOM_CHANGES() : await this.planRoomChanges(roomId, toPersist, mayHaveChildren);
        const pending = this.invalidationsFor(roomId, toPersist, plan);
        // Batches of different rooms that are ready together share one transaction (one fsync).
        // Caches follow the database at the commit (the next event of the room must see this one as its prev);
        // the stream and the listeners, which tell clients and other servers, wait until the commit is durable.
        await this.stores.groupCommit.write(
          () => {
            const rows = this.persistStore.persistBatch({
              roomId,
              events: toPersist,
              forwardExtremities: plan.forwardExtremities,
              currentState: plan.currentState,
              localMemberships: plan.localMemberships,
              instanceName: this.stores.identity.instanceName,
              now: this.now(),
            });
            this.invalidations.recordInTransaction(pending);
            return rows;
          },
          (written) => this.updateCachesAfterCommit(roomId, toPersist, plan, pending, written),
        );
        allocation.commit();
        this.announce(roomId, toPersist, plan);
        for (const item of toPersist) {
          item.event.internal.streamOrdering = item.streamOrdering;
          positionOf.set(item.event.eventId, { eventId: item.event.eventId, streamOrdering: item.streamOrdering, newlyPersisted: true });
        }
      } catch (error) {
        allocation.abort();
        throw error;
      }
    }
    return items.map((i) => positionOf.get(i.event.eventId)!);
  }

  private async planRoomChanges(roomId: string, batch: readonly EventToPersist[], mayHaveChildren: ReadonlySet<string>): Promise<RoomChangePlan> {
    const { events: eventsStore, roomState } = this.stores;
    const inDag = batch.filter((e) => !e.event.internal.outlier && e.context.rejectedReason === null && !e.event.internal.softFailed);
    const localMemberships: LocalMembershipChange[] = this.outOfBandMemberships(batch);
    if (inDag.length === 0) return { forwardExtremities: null, currentState: null, newState: null, delta: null, changedMembers: [], localMemberships };

    const latest = await eventsStore.getLatestEventIdsInRoom(roomId);
    const extremities = new Set([...latest, ...inDag.map((e) => e.event.eventId)]);
    for (const { event } of inDag) for (const prev of event.prevEventIds) extremities.delete(prev);
    const candidates = inDag.map((e) => e.event.eventId).filter((id) => mayHaveChildren.has(id));
    if (candidates.length > 0) for (const id of this.eventsWithChildren(candidates)) extremities.delete(id);
    const forwardExtremities = [...extremities].sort();
    const extremitiesChanged = forwardExtremities.length !== latest.length || forwardExtremities.some((id, i) => id !== latest[i]);
    if (!extremitiesChanged) return { forwardExtremities: null, currentState: null, newState: null, delta: null, changedMembers: [], localMemberships };

    const newState = await this.stateAtExtremities(roomId, forwardExtremities, batch);
    const current = await roomState.getCurrentStateIds(roomId);
    const delta = diffState(current, newState);
    if (isEmptyDelta(delta)) return { forwardExtremities, currentState: null, newState: null, delta: null, changedMembers: [], localMemberships };

    localMemberships.push(...(await this.localMembershipChanges(delta, batch)));
    const noLongerInRoom = !(await this.hasLocalJoinedMember(newState, batch));
    const streamId = batch.at(-1)!.streamOrdering;
    // Leaving the room entirely clears current state, which changes every member's caches.
    const changedKeys = noLongerInRoom ? [...current.keys(), ...newState.keys()] : [...delta.toInsert.keys(), ...delta.toDelete];
    return {
      forwardExtremities,
      currentState: { toDelete: delta.toDelete, toInsert: delta.toInsert, noLongerInRoom, streamId },
      newState: noLongerInRoom ? new Map() : newState,
      delta,
      changedMembers: [...new Set(memberKeysOf(changedKeys).values())].sort(),
      localMemberships,
    };
  }

  /** The state after the given extremities: the state after each one, resolved when they differ. */
  private async stateAtExtremities(roomId: string, extremities: readonly string[], batch: readonly EventToPersist[]): Promise<StateMap> {
    const inBatch = new Map(batch.map((e) => [e.event.eventId, e]));
    const states: StateMap[] = [];
    const fromStore: string[] = [];
    for (const id of extremities) {
      const item = inBatch.get(id);
      if (!item) fromStore.push(id);
      else if (item.context.stateAfter) states.push(item.context.stateAfter);
      else if (item.context.stateGroupAfter !== null) states.push(await this.stores.stateGroups.getStateForGroup(item.context.stateGroupAfter));
      else throw new Error(`event ${id} has no state after it`);
    }
    for (const after of await this.stateController.statesAfter(fromStore)) states.push(after.state);
    if (allStatesEqual(states)) return states[0]!;
    const roomVersion = batch[0]!.event.roomVersion;
    // The batch is not in storage yet, but its events may be the ones that decide the fork.
    const loadEvents = withInMemoryEvents(batch.map((e) => e.event), this.stateController.loadEvents);
    return this.resolver.resolve(roomId, roomVersion, states, loadEvents);
  }

  /**
   * Of `eventIds`, those that existing non-outlier, non-rejected events name as prev events. Such a child was
   * stored while its prev event was not in the DAG, so its edge is in `event_prev_waiting`.
   */
  private eventsWithChildren(eventIds: readonly string[]): string[] {
    return this.stores.db
      .prepare(
        `SELECT DISTINCT w.prev_event_id FROM event_prev_waiting w
         JOIN events e ON e.stream_ordering = w.stream_ordering
         LEFT JOIN rejections r ON r.event_id = e.event_id
         WHERE w.prev_event_id IN (SELECT value FROM json_each(?)) AND e.outlier = 0 AND e.soft_failed = 0 AND r.event_id IS NULL`,
      )
      .pluck()
      .all(JSON.stringify(eventIds)) as string[];
  }

  /** Local users whose member key changed in the current-state delta get their new row (or none). */
  private async localMembershipChanges(delta: StateDelta, batch: readonly EventToPersist[]): Promise<LocalMembershipChange[]> {
    const changed = memberKeysOf([...delta.toInsert.keys(), ...delta.toDelete]);
    const local = [...changed].filter(([, userId]) => domainOf(userId) === this.stores.serverName);
    if (local.length === 0) return [];
    const batchEvents = new Map(batch.map((e) => [e.event.eventId, e]));
    const needed = local.map(([key]) => delta.toInsert.get(key)).filter((id): id is string => id !== undefined && !batchEvents.has(id));
    const stored = await this.stores.events.getEvents(needed);
    return local.map(([key, userId]) => {
      const eventId = delta.toInsert.get(key);
      if (eventId === undefined) return { userId, membership: null };
      const fromBatch = batchEvents.get(eventId);
      const event = fromBatch?.event ?? stored.get(eventId)?.event;
      const membership = event?.membership;
      const streamOrdering = fromBatch?.streamOrdering ?? stored.get(eventId)?.streamOrdering;
      if (!event || !membership || streamOrdering === undefined) return { userId, membership: null };
      return { userId, membership: { eventId, membership, streamOrdering } };
    });
  }

  /**
   * Out-of-band memberships: an outlier member event about a local user (a remote invite for a room we are
   * not in, or its rejection) upserts that user's row directly (§6).
   */
  private outOfBandMemberships(batch: readonly EventToPersist[]): LocalMembershipChange[] {
    return batch
      .filter(
        ({ event, context }) =>
          event.internal.outlier === true &&
          context.rejectedReason === null &&
          event.type === 'm.room.member' &&
          event.stateKey !== null &&
          event.membership !== null &&
          domainOf(event.stateKey) === this.stores.serverName,
      )
      .map(({ event, streamOrdering }) => ({
        userId: event.stateKey!,
        membership: { eventId: event.eventId, membership: event.membership!, streamOrdering },
      }));
  }

  private async hasLocalJoinedMember(state: StateMap, batch: readonly EventToPersist[]): Promise<boolean> {
    const localMemberIds: string[] = [];
    for (const [key, eventId] of state) {
      const { type, stateKey } = parseStateKey(key);
      if (type === 'm.room.member' && domainOf(stateKey) === this.stores.serverName) localMemberIds.push(eventId);
    }
    if (localMemberIds.length === 0) return false;
    const batchEvents = new Map(batch.map((e) => [e.event.eventId, e.event]));
    const stored = await this.stores.events.getEvents(localMemberIds.filter((id) => !batchEvents.has(id)));
    return localMemberIds.some((id) => (batchEvents.get(id) ?? stored.get(id)?.event)?.membership === 'join');
  }

  /** The cache invalidations a batch causes; written in its transaction, applied locally after commit. */
  private invalidationsFor(roomId: string, batch: readonly EventToPersist[], plan: RoomChangePlan): PendingInvalidation[] {
    const pending: PendingInvalidation[] = [];
    for (const { event, builtHere } of batch) {
      // Nobody can have looked up (and cached as missing) an event built here just now.
      if (!builtHere) pending.push({ cacheName: 'getEvent', key: [event.eventId] });
      if (event.type === 'm.room.redaction' && event.redacts !== null) pending.push({ cacheName: 'getEvent', key: [event.redacts] });
      if (event.type === 'm.room.create' && event.stateKey === '') pending.push({ cacheName: 'getRoomVersionId', key: [roomId] });
    }
    if (plan.forwardExtremities !== null) pending.push({ cacheName: 'getLatestEventIdsInRoom', key: [roomId] });
    if (plan.delta !== null) {
      pending.push({ cacheName: 'getCurrentStateIds', key: [roomId] });
      // Membership caches change only with member keys (§1): one row names the room and the changed members.
      if (plan.changedMembers.length > 0) pending.push(currentStateMembershipInvalidation(roomId, plan.changedMembers));
    }
    return pending;
  }

  private updateCachesAfterCommit(roomId: string, batch: readonly EventToPersist[], plan: RoomChangePlan, pending: readonly PendingInvalidation[], written: readonly StoredEventRow[]): void {
    this.invalidations.applyLocally(pending);
    // Prefill what the next send in this room reads first (§7): its prev events, forward extremities and state.
    this.stores.events.prefillWritten(written);
    const sent = batch.flatMap(({ event }) =>
      event.internal.txnId !== undefined && event.internal.deviceId !== undefined
        ? [{ roomId: event.roomId, userId: event.sender, deviceId: event.internal.deviceId, txnId: event.internal.txnId, eventId: event.eventId }]
        : [],
    );
    if (sent.length > 0) this.stores.events.txnIds.remember(sent);
    this.stores.stateGroups.rememberEventGroups(batch.flatMap(({ event, context }) => (context.stateGroupAfter === null ? [] : [[event.eventId, context.stateGroupAfter] as const])));
    if (plan.forwardExtremities !== null) this.stores.events.getLatestEventIdsInRoom.prefill([roomId], [...plan.forwardExtremities]);
    if (plan.newState !== null) this.stores.roomState.getCurrentStateIds.prefill([roomId], plan.newState);
  }

  private announce(roomId: string, batch: readonly EventToPersist[], plan: RoomChangePlan): void {
    const persisted: PersistedBatch = {
      roomId,
      events: batch.map(({ event, streamOrdering, context }) => ({ event, streamOrdering, context })),
      maxStreamOrdering: Math.max(...batch.map((e) => e.streamOrdering)),
      currentStateDelta: plan.delta,
      backfilled: batch.every((e) => e.event.internal.backfilled === true),
    };
    for (const listener of this.listeners) listener(persisted);
  }
}

interface RoomChangePlan {
  readonly forwardExtremities: readonly string[] | null;
  readonly currentState: CurrentStateChange | null;
  /** The new current state to prefill, when it changed. */
  readonly newState: StateMap | null;
  readonly delta: StateDelta | null;
  /** Users whose member key of the current state changed, sorted. */
  readonly changedMembers: readonly string[];
  readonly localMemberships: LocalMembershipChange[];
}

function isBackfilled(entry: QueueEntry): boolean {
  return entry.items.every((item) => item.event.internal.backfilled === true);
}

/** Backfill positions need no commit: nothing waits on a backfill stream token. */
function backfillAllocation(ids: number[]): { ids: readonly number[]; commit(): void; abort(): void } {
  return { ids, commit() {}, abort() {} };
}

/** Backfilled history changes neither forward extremities nor current state. */
function NO_ROOM_CHANGES(): RoomChangePlan {
  return { forwardExtremities: null, currentState: null, newState: null, delta: null, changedMembers: [], localMemberships: [] };
}
