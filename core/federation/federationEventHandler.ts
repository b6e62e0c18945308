/**
 * Receiving events from other servers (server-server API, "Checks performed on receipt of a PDU"). Every PDU is
 * checked for format (dropped if invalid), signatures (dropped), content hash (redacted), auth against its auth
 * events and against the state before it (rejected), and against the current state (soft-failed). Missing prev
 * events are fetched with /get_missing_events; when a gap remains, the state before the missing prev events is
 * fetched with /state_ids. Missing auth events are fetched and stored as outliers, checked the same way.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { RoomEvent } from '../events/roomEvent.ts';
import { getRoomVersion, isKnownRoomVersion, type RoomVersion } from '../events/roomVersions.ts';
import { validatePdu } from '../events/eventValidation.ts';
import { AuthError } from '../auth/authError.ts';
import { checkAuthEventsList, checkEventAuthAgainstState, checkCreateEvent } from '../auth/eventAuth.ts';
import { selectAuthEventStateKeys, authEventCandidateOf } from '../auth/authEventSelection.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { StateController, StateBefore } from '../storage/controllers/stateController.ts';
import type { EventsPersistenceController } from '../storage/controllers/eventsPersistenceController.ts';
import { OUTLIER_CONTEXT, type EventContext } from '../state/eventContext.ts';
import { allStatesEqual, withInMemoryEvents, type StateResolver } from '../state/stateResolver.ts';
import { stateKey, type StateMap } from '../state/stateMap.ts';
import { KeyedMutex } from '../concurrency/keyedMutex.ts';
import type { Logger } from '../logging/logger.ts';
import type { KeyRing } from './keyRing.ts';
import { applyContentHashCheck, verifyEventSignatures } from './eventSignatureVerifier.ts';
import type { RemoteEventSource } from './remoteEventSource.ts';
import type { ServerAclChecker } from './serverAcl.ts';
import type { Pdu } from '../events/pdu.ts';

export type PduOutcome = 'accepted' | 'rejected' | 'soft_failed' | 'duplicate' | 'dropped';

export interface PduResult {
  readonly eventId: string | null;
  readonly outcome: PduOutcome;
  readonly reason?: string;
}

/** How many missing prev events to ask for before falling back to fetching state. */
const MISSING_EVENTS_LIMIT = 10;

export interface FederationEventHandlerDeps {
  readonly stores: DataStores;
  readonly stateController: StateController;
  readonly persistence: EventsPersistenceController;
  readonly resolver: StateResolver;
  readonly keyRing: KeyRing;
  readonly remote: RemoteEventSource;
  /** A PDU from a server the room's ACL denies is ignored (with an error for its event ID). */
  readonly acl: ServerAclChecker;
  readonly log: Logger;
}

export class FederationEventHandler {
  /** Events of a room are handled one at a time, so that each sees the state its predecessor left. */
  private readonly roomLocks = new KeyedMutex<string>();

  constructor(private readonly deps: FederationEventHandlerDeps) {}

  /** Parses and checks an event of a known room version: null (dropped) when malformed or badly signed. */
  async parseAndVerify(raw: unknown, roomVersion: RoomVersion): Promise<{ event: RoomEvent } | { dropped: string; eventId?: string }> {
    const validation = validatePdu(raw, roomVersion);
    if (!validation.ok) return { dropped: `malformed event: ${validation.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}` };
    let event: RoomEvent;
    try {
      event = RoomEvent.fromPdu(validation.pdu, roomVersion);
    } catch (e) {
      return { dropped: (e as Error).message };
    }
    const verdict = await verifyEventSignatures(event, this.deps.keyRing);
    if (!verdict.ok) return { dropped: verdict.reason, eventId: event.eventId };
    return { event: applyContentHashCheck(event) };
  }

  /** A PDU received from `origin` (in a transaction, or as the answer to a join or invite). */
  async receivePdu(origin: string, raw: unknown): Promise<PduResult> {
    const roomId = (raw as { room_id?: unknown } | null)?.room_id;
    if (typeof roomId !== 'string') return { eventId: null, outcome: 'dropped', reason: 'event has no room_id' };
    const versionId = await this.deps.stores.events.getRoomVersionId(roomId);
    if (versionId === null || !isKnownRoomVersion(versionId)) return { eventId: null, outcome: 'dropped', reason: `unknown room ${roomId}` };
    if (!(await this.deps.acl.isAllowed(origin, roomId))) {
      let eventId: string | null = null;
      try {
        eventId = RoomEvent.fromPdu(raw as Pdu, getRoomVersion(versionId)).eventId;
      } catch {
        // Malformed as well as denied: dropped either way.
      }
      return { eventId, outcome: 'dropped', reason: `${origin} is denied access to ${roomId} by its server ACL` };
    }
    const parsed = await this.parseAndVerify(raw, getRoomVersion(versionId));
    if ('dropped' in parsed) return { eventId: parsed.eventId ?? null, outcome: 'dropped', reason: parsed.dropped };
    return this.roomLocks.run(roomId, () => this.handleNewEvent(origin, parsed.event, true));
  }

  /** An event already parsed and verified (e.g. by send_join, after countersigning): handle it like a received PDU. */
  receiveVerified(origin: string, event: RoomEvent): Promise<PduResult> {
    return this.roomLocks.run(event.roomId, () => this.handleNewEvent(origin, event, true));
  }

  /**
   * History from /backfill, oldest first: checked like any received event, but placed before everything live and
   * never soft-failed against current state (it is old), nor changing forward extremities or current state.
   */
  async receiveBackfilled(origin: string, roomVersion: RoomVersion, raws: readonly unknown[]): Promise<number> {
    const events: RoomEvent[] = [];
    for (const raw of raws) {
      const parsed = await this.parseAndVerify(raw, roomVersion);
      if ('event' in parsed) events.push(parsed.event);
    }
    events.sort((a, b) => a.depth - b.depth);
    let stored = 0;
    for (const event of events) {
      const result = await this.roomLocks.run(event.roomId, () => this.handleNewEvent(origin, event, false, true));
      if (result.outcome !== 'duplicate' && result.outcome !== 'dropped') stored++;
    }
    return stored;
  }

  private async handleNewEvent(origin: string, event: RoomEvent, fetchMissing: boolean, backfilled = false): Promise<PduResult> {
    const { stores } = this.deps;
    const existing = await stores.events.getEvent(event.eventId);
    if (existing && !existing.outlier) return { eventId: event.eventId, outcome: 'duplicate' };

    if (fetchMissing) await this.fetchMissingPrevEvents(origin, event);
    const before = await this.stateBeforeReceivedEvent(origin, event);
    await this.ensureAuthEvents(origin, event);

    const rejection = await this.authRejection(event, before.state);
    let softFailed = false;
    if (rejection === null && !backfilled) {
      const current = await stores.roomState.getCurrentStateIds(event.roomId);
      if (current.size > 0) {
        const currentAuth = await this.authStateFor(event, current);
        try {
          checkEventAuthAgainstState(event, currentAuth);
        } catch (e) {
          if (!(e instanceof AuthError)) throw e;
          softFailed = true;
          this.deps.log.info(`soft-failed ${event.eventId} from ${origin}: ${e.reason}`);
        }
      }
    }
    if (softFailed) event.internal.softFailed = true;
    if (backfilled) event.internal.backfilled = true;
    delete event.internal.outlier;
    const context = this.deps.stateController.contextFor(event, before, rejection);
    await this.deps.persistence.persistEvent(event, context);
    if (rejection !== null) return { eventId: event.eventId, outcome: 'rejected', reason: rejection };
    return { eventId: event.eventId, outcome: softFailed ? 'soft_failed' : 'accepted' };
  }

  /**
   * Persists events that arrive out of the DAG (the state and auth chain of a send_join answer, auth events
   * fetched to check another event): each is checked against its own auth events, in depth order, and stored as
   * an outlier (rejected ones marked so). Returns the verified events by ID.
   */
  async persistOutliers(raws: readonly unknown[], roomVersion: RoomVersion): Promise<Map<string, RoomEvent>> {
    const events = new Map<string, RoomEvent>();
    for (const raw of raws) {
      const parsed = await this.parseAndVerify(raw, roomVersion);
      if ('event' in parsed) events.set(parsed.event.eventId, parsed.event);
      else this.deps.log.warn(`dropped an outlier: ${parsed.dropped}`);
    }
    const stored = await this.deps.stores.events.getEvents([...events.keys()]);
    const sorted = [...events.values()].filter((e) => !stored.get(e.eventId)).sort((a, b) => a.depth - b.depth || (a.eventId < b.eventId ? -1 : 1));
    const rejected = new Set<string>();
    const items: { event: RoomEvent; context: EventContext }[] = [];
    for (const event of sorted) {
      const authEvents: RoomEvent[] = [];
      let missing = false;
      for (const id of event.authEventIds) {
        const auth = events.get(id) ?? (await this.deps.stores.events.getEvent(id))?.event;
        if (!auth) missing = true;
        else authEvents.push(auth);
      }
      let reason: string | null = missing ? 'auth events are missing' : null;
      if (reason === null) {
        try {
          if (event.type === 'm.room.create') checkCreateEvent(event);
          else {
            checkAuthEventsList(event, authEvents, { isRejected: (e) => rejected.has(e.eventId) });
            checkEventAuthAgainstState(event, new Map(authEvents.filter((e) => e.stateKey !== null).map((e) => [stateKey(e.type, e.stateKey!), e])));
          }
        } catch (e) {
          if (!(e instanceof AuthError)) throw e;
          reason = e.reason;
        }
      }
      if (reason !== null) rejected.add(event.eventId);
      event.internal.outlier = true;
      items.push({ event, context: { ...OUTLIER_CONTEXT, rejectedReason: reason } });
    }
    if (items.length > 0) await this.deps.persistence.persistEvents(items);
    return events;
  }

  /** Asks `origin` for the events between our forward extremities and `event`, and handles them oldest first. */
  private async fetchMissingPrevEvents(origin: string, event: RoomEvent): Promise<void> {
    const seen = this.deps.stores.events.haveSeenEvents(event.prevEventIds);
    const missing = event.prevEventIds.filter((id) => !seen.has(id));
    if (missing.length === 0) return;
    const latest = await this.deps.stores.events.getLatestEventIdsInRoom(event.roomId);
    let fetched: unknown[] = [];
    try {
      fetched = await this.deps.remote.getMissingEvents(origin, event.roomId, latest, [event.eventId], MISSING_EVENTS_LIMIT, 0);
    } catch (e) {
      this.deps.log.warn(`get_missing_events for ${event.eventId} from ${origin} failed: ${(e as Error).message}`);
      return;
    }
    const parsed: RoomEvent[] = [];
    for (const raw of fetched) {
      const result = await this.parseAndVerify(raw, event.roomVersion);
      if ('event' in result && result.event.roomId === event.roomId) parsed.push(result.event);
    }
    parsed.sort((a, b) => a.depth - b.depth);
    for (const missingEvent of parsed) {
      if (missingEvent.eventId === event.eventId) continue;
      try {
        await this.handleNewEvent(origin, missingEvent, false);
      } catch (e) {
        this.deps.log.warn(`could not handle missing event ${missingEvent.eventId}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * The state before a received event: resolved from the state after each prev event. For prev events we hold
   * with state, storage knows it; for the others, the state before them is fetched from `origin` (/state_ids)
   * and the prev event itself applied.
   */
  private async stateBeforeReceivedEvent(origin: string, event: RoomEvent): Promise<StateBefore> {
    const { stores, stateController } = this.deps;
    const prevIds = event.prevEventIds;
    const groups = stores.stateGroups.getStateGroupsForEvents(prevIds);
    const known = prevIds.filter((id) => groups.has(id));
    const unknown = prevIds.filter((id) => !groups.has(id));
    if (unknown.length === 0) return stateController.stateBefore(event.roomId, event.roomVersion, prevIds);

    const states: StateMap[] = (await stateController.statesAfter(known)).map((s) => s.state);
    const fetchedEvents: RoomEvent[] = [];
    for (const prevId of unknown) {
      const { pduIds, authChainIds } = await this.deps.remote.getStateIds(origin, event.roomId, prevId);
      const wanted = [...new Set([...pduIds, ...authChainIds, prevId])];
      const have = stores.events.haveSeenEvents(wanted);
      const raws: unknown[] = [];
      for (const id of wanted.filter((id) => !have.has(id))) {
        const raw = await this.deps.remote.getEvent(origin, id);
        if (raw) raws.push(raw);
      }
      const fetched = await this.persistOutliers(raws, event.roomVersion);
      fetchedEvents.push(...fetched.values());
      const loaded = await stores.events.getEvents(pduIds);
      const state = new Map<string, string>();
      for (const id of pduIds) {
        const e = loaded.get(id)?.event ?? fetched.get(id);
        if (e && e.stateKey !== null) state.set(stateKey(e.type, e.stateKey), e.eventId);
      }
      const prev = (await stores.events.getEvent(prevId))?.event ?? fetched.get(prevId);
      if (prev && prev.stateKey !== null) state.set(stateKey(prev.type, prev.stateKey), prev.eventId);
      states.push(state);
    }
    if (allStatesEqual(states)) return { state: states[0] ?? new Map(), group: null };
    const load = withInMemoryEvents(fetchedEvents, stateController.loadEvents);
    return { state: await this.deps.resolver.resolve(event.roomId, event.roomVersion, states, load), group: null };
  }

  /** Fetches and stores (as outliers) any auth events of `event` that we do not hold. */
  private async ensureAuthEvents(origin: string, event: RoomEvent): Promise<void> {
    const have = this.deps.stores.events.haveSeenEvents(event.authEventIds);
    if (event.authEventIds.every((id) => have.has(id))) return;
    try {
      const chain = await this.deps.remote.getEventAuth(origin, event.roomId, event.eventId);
      await this.persistOutliers(chain, event.roomVersion);
    } catch (e) {
      this.deps.log.warn(`fetching the auth chain of ${event.eventId} from ${origin} failed: ${(e as Error).message}`);
    }
  }

  /** Why the event is rejected (auth events, then the state before it), or null when it passes. */
  private async authRejection(event: RoomEvent, before: StateMap): Promise<string | null> {
    try {
      if (event.type === 'm.room.create') {
        checkCreateEvent(event);
        return null;
      }
      const stored = await this.deps.stores.events.getEvents(event.authEventIds);
      const authEvents: RoomEvent[] = [];
      for (const id of event.authEventIds) {
        const entry = stored.get(id);
        if (!entry) return `auth event ${id} is missing`;
        authEvents.push(entry.event);
      }
      checkAuthEventsList(event, authEvents, { isRejected: (e) => stored.get(e.eventId)?.rejectedReason != null });
      checkEventAuthAgainstState(event, new Map(authEvents.filter((e) => e.stateKey !== null).map((e) => [stateKey(e.type, e.stateKey!), e])));
      checkEventAuthAgainstState(event, await this.authStateFor(event, before));
      return null;
    } catch (e) {
      if (e instanceof AuthError) return e.reason;
      throw e;
    }
  }

  /** The part of `state` the auth rules read for `event` (its auth event selection), as events. */
  async authStateFor(event: RoomEvent, state: StateMap): Promise<Map<string, RoomEvent>> {
    const keys = selectAuthEventStateKeys(authEventCandidateOf(event), event.roomVersion);
    const ids = keys.map((k) => state.get(k)).filter((id): id is string => id !== undefined);
    const stored = await this.deps.stores.events.getEvents(ids);
    const result = new Map<string, RoomEvent>();
    for (const key of keys) {
      const id = state.get(key);
      const entry = id ? stored.get(id) : undefined;
      if (entry) result.set(key, entry.event);
    }
    return result;
  }

  /** The stored PDU JSON of events, for answering other servers. */
  static pduJson(event: RoomEvent): JsonObject {
    return event.toPduJson() as JsonObject;
  }
}
