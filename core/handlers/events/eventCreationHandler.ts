/**
 * Creating and sending an event of a local user (Synapse's EventCreationHandler): choose prev events (the
 * room's forward extremities), compute the state before, select auth events from it, build and sign the
 * event, check it against the auth rules, compute its context and persist it. Creation is serialised per room
 * so that concurrent sends do not fork the room. Sends with a transaction ID are idempotent per device.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { buildUnsignedEvent, completeEventOffThread, type EventSigner } from '../../events/eventBuilder.ts';
import type { UnsignedPdu } from '../../events/pdu.ts';
import type { RoomEvent, EventInternalMetadata } from '../../events/roomEvent.ts';
import { PowerLevels } from '../../auth/powerLevels.ts';
import { stateKey, type StateMap } from '../../state/stateMap.ts';
import { getRoomVersion, isKnownRoomVersion, type RoomVersion } from '../../events/roomVersions.ts';
import { selectAuthEventStateKeys } from '../../auth/authEventSelection.ts';
import { checkEventAuth } from '../../auth/eventAuth.ts';
import { AuthError } from '../../auth/authError.ts';
import { KeyedMutex } from '../../concurrency/keyedMutex.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StateController, StateBefore } from '../../storage/controllers/stateController.ts';
import type { EventPersister } from '../../storage/eventPersister.ts';
import { MatrixError } from '../matrixError.ts';

export interface NewEventRequest {
  readonly roomId: string;
  readonly sender: string;
  readonly type: string;
  readonly content: JsonObject;
  readonly stateKey?: string;
  readonly redacts?: string;
  /** For PUT /send and friends: the same (device, txn ID) returns the first event instead of a new one. */
  readonly txn?: { readonly deviceId: string; readonly txnId: string };
  /** For the create event only: the room version of the new room. */
  readonly roomVersion?: string;
  /** Defaults to now; set by application services (`ts`) and by tests that need reproducible event IDs. */
  readonly originServerTs?: number;
}

export interface SendOptions {
  readonly beforePersist?: (event: RoomEvent) => Promise<RoomEvent>;
}

export interface PreparedEvent {
  readonly unsigned: UnsignedPdu;
  readonly roomVersion: RoomVersion;
  readonly before: StateBefore;
  readonly authEvents: RoomEvent[];
  readonly replacesState?: string;
}

export interface SentEvent {
  readonly event: RoomEvent;
  readonly streamOrdering: number;
}

/** At most this many prev events per new event (the most recent extremities win). */
export const MAX_PREV_EVENTS_FOR_NEW_EVENT = 10;

export class EventCreationHandler {
  private readonly roomLocks = new KeyedMutex<string>();

  constructor(
    private readonly stores: DataStores,
    private readonly stateController: StateController,
    private readonly persister: EventPersister,
    private readonly signer: EventSigner,
  ) {}

  /**
   * Builds, checks and persists a new event. `options.beforePersist` may replace the event before it is persisted
   * (a remote server countersigning an invite); the replacement must have the same event ID.
   */
  async send(request: NewEventRequest, options: SendOptions = {}): Promise<SentEvent> {
    return this.roomLocks.run(request.roomId, async () => {
      if (request.txn) {
        const existing = this.stores.events.getEventIdForTxn(request.roomId, request.sender, request.txn.deviceId, request.txn.txnId);
        if (existing) {
          const stored = await this.stores.events.getEvent(existing);
          if (stored) return { event: stored.event, streamOrdering: stored.streamOrdering };
        }
      }
      const prepared = await this.prepare(request);
      const internal: EventInternalMetadata = request.txn ? { txnId: request.txn.txnId, deviceId: request.txn.deviceId } : {};
      if (prepared.replacesState !== undefined) internal.replacesState = prepared.replacesState;
      if (request.type === 'm.room.redaction') internal.redactionAuthorised = await this.senderMayRedact(request.sender, prepared.before.state, prepared.roomVersion);
      let event = await completeEventOffThread(prepared.unsigned, prepared.roomVersion, this.signer, internal);
      try {
        checkEventAuth(event, prepared.authEvents);
      } catch (e) {
        if (e instanceof AuthError) throw MatrixError.forbidden(e.reason);
        throw e;
      }
      if (options.beforePersist) {
        const replaced = await options.beforePersist(event);
        if (replaced.eventId !== event.eventId) throw new Error('beforePersist changed the event ID');
        event = replaced;
      }
      const context = this.stateController.contextFor(event, prepared.before, null);
      const persisted = await this.persister.persist(event, context, { builtHere: true });
      return { event, streamOrdering: persisted.streamOrdering };
    });
  }

  /**
   * The unsigned event a request describes (prev events, auth events from the state before, depth) and what was
   * used to make it, without signing or persisting anything: for make_join / make_leave templates and for send.
   */
  async prepare(request: NewEventRequest): Promise<PreparedEvent> {
    const roomVersion = await this.roomVersionFor(request);
    const prevEvents = await this.prevEventsFor(request, roomVersion);
    const before = await this.stateController.stateBefore(request.roomId, roomVersion, prevEvents.map((e) => e.eventId));
    const authKeys = selectAuthEventStateKeys(
      { type: request.type, sender: request.sender, stateKey: request.stateKey ?? null, content: request.content },
      roomVersion,
    );
    const authEventIds = authKeys.map((key) => before.state.get(key)).filter((id): id is string => id !== undefined);
    const authEvents = await this.loadEvents(authEventIds);
    const unsigned = buildUnsignedEvent(
      {
        type: request.type,
        roomId: request.roomId,
        sender: request.sender,
        content: request.content,
        ...(request.stateKey === undefined ? {} : { stateKey: request.stateKey }),
        ...(request.redacts === undefined ? {} : { redacts: request.redacts }),
        prevEvents,
        authEventIds,
        ...(request.originServerTs === undefined ? {} : { originServerTs: request.originServerTs }),
      },
      roomVersion,
      this.signer.serverName,
    );
    const replacesState = request.stateKey === undefined ? undefined : before.state.get(stateKey(request.type, request.stateKey));
    return { unsigned, roomVersion, before, authEvents, ...(replacesState === undefined ? {} : { replacesState }) };
  }

  /** Whether the sender has the redact level in this state (then their redactions apply to anyone's events). */
  private async senderMayRedact(sender: string, state: StateMap, roomVersion: RoomVersion): Promise<boolean> {
    const ids = [state.get(stateKey('m.room.power_levels', '')), state.get(stateKey('m.room.create', ''))].filter((id): id is string => id !== undefined);
    const events = new Map((await this.loadEvents(ids)).map((e) => [e.type, e]));
    const levels = PowerLevels.fromState(events.get('m.room.power_levels'), events.get('m.room.create'), roomVersion);
    try {
      return levels.userLevel(sender) >= levels.redact;
    } catch {
      return false;
    }
  }

  private async roomVersionFor(request: NewEventRequest): Promise<RoomVersion> {
    if (request.type === 'm.room.create') {
      const id = request.roomVersion ?? request.content.room_version;
      if (!isKnownRoomVersion(id)) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `Unsupported room version ${JSON.stringify(id)}`);
      return getRoomVersion(id);
    }
    const id = await this.stores.events.getRoomVersionId(request.roomId);
    if (id === null) throw MatrixError.notFound(`Unknown room ${request.roomId}`);
    return getRoomVersion(id);
  }

  private async prevEventsFor(request: NewEventRequest, roomVersion: RoomVersion): Promise<RoomEvent[]> {
    if (request.type === 'm.room.create') {
      if ((await this.stores.events.getRoomVersionId(request.roomId)) !== null) {
        throw new MatrixError(400, 'M_ROOM_IN_USE', `Room ${request.roomId} already exists`);
      }
      return [];
    }
    const latest = await this.stores.events.getLatestEventIdsInRoom(request.roomId);
    const events = [...(await this.loadEvents(latest))].filter((e) => e.roomVersion === roomVersion);
    if (events.length === 0) throw MatrixError.notFound(`Room ${request.roomId} has no events to follow`);
    events.sort((a, b) => b.depth - a.depth);
    return events.slice(0, MAX_PREV_EVENTS_FOR_NEW_EVENT);
  }

  private async loadEvents(eventIds: readonly string[]): Promise<RoomEvent[]> {
    const stored = await this.stores.events.getEvents(eventIds);
    return eventIds.map((id) => {
      const entry = stored.get(id);
      if (!entry) throw new Error(`event ${id} is missing from storage`);
      return entry.event;
    });
  }
}
