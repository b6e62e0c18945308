/**
 * Sending and reading single events and state: PUT send/state, redact (with the redact level or on your own
 * events), GET event, GET state (all or one), members and joined members, joined rooms.
 */
import { canonicalJson, type JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import { PowerLevels } from '../../auth/powerLevels.ts';
import { getRoomVersion } from '../../events/roomVersions.ts';
import { isValidEventId } from '../../events/identifiers.ts';
import type { EventCreationHandler, SentEvent } from '../events/eventCreationHandler.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import type { ClientEvent } from '../events/clientEvent.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomAccessChecker, type RoomAccess } from './roomAccess.ts';
import { RoomStateReader } from './roomStateReader.ts';
import { stateKey as stateKeyOf, type StateMap } from '../../state/stateMap.ts';
import type { AnnotationGuard } from '../relations/annotationGuard.ts';
import { assertNotSuspended } from '../accounts/accountSuspension.ts';

/** Event types clients may not send through /send or /state: membership has its own endpoints. */
const MEMBERSHIP_TYPE = 'm.room.member';

export class RoomEventsHandler {
  private readonly state: RoomStateReader;
  private readonly access: RoomAccessChecker;

  constructor(
    private readonly stores: DataStores,
    private readonly events: EventCreationHandler,
    private readonly serializer: EventSerializer,
    private readonly visibility: VisibilityFilter,
    /** Refuses duplicate reactions (M_DUPLICATE_ANNOTATION). */
    private readonly annotations: AnnotationGuard | null = null,
  ) {
    this.state = new RoomStateReader(stores);
    this.access = new RoomAccessChecker(stores);
  }

  async sendMessage(requester: Requester, roomId: string, type: string, content: JsonObject, txnId: string): Promise<SentEvent> {
    assertNotSuspended(requester);
    await this.assertRoomKnown(roomId);
    if (type === 'm.room.redaction') throw MatrixError.forbidden('Use the /redact endpoint to redact events');
    // A retried send returns the first event; only a new one can be a duplicate reaction.
    this.annotations?.check(requester.userId, type, content, () => this.stores.events.getEventIdForTxn(roomId, requester.userId, requester.deviceId, txnId) !== null);
    return this.events.send({ roomId, sender: requester.userId, type, content, txn: { deviceId: requester.deviceId, txnId } });
  }

  async sendState(requester: Requester, roomId: string, type: string, stateKey: string, content: JsonObject): Promise<SentEvent> {
    assertNotSuspended(requester);
    await this.assertRoomKnown(roomId);
    if (type === MEMBERSHIP_TYPE && stateKey !== requester.userId) {
      // Only your own member event (e.g. a profile change) may be set through /state; others use the membership endpoints.
      throw MatrixError.forbidden('Use the membership endpoints to change the membership of other users');
    }
    if (type === MEMBERSHIP_TYPE) {
      const current = await this.state.membership(roomId, requester.userId);
      if (content.membership !== current?.membership) throw MatrixError.forbidden('Use the membership endpoints to change membership');
    }
    // Re-sending identical state is a no-op that returns the existing event, as Synapse does.
    const existing = await this.state.currentStateEvent(roomId, type, stateKey);
    if (existing && existing.event.sender === requester.userId && sameJson(existing.event.content, content)) {
      return { event: existing.event, streamOrdering: existing.streamOrdering };
    }
    return this.events.send({ roomId, sender: requester.userId, type, stateKey, content });
  }

  /** Redacts an event. From room v11 `content.redacts` is set; a body naming another target is 400 M_INVALID_PARAM. */
  async redact(requester: Requester, roomId: string, eventId: string, txnId: string, body: JsonObject): Promise<SentEvent> {
    if (!isValidEventId(eventId)) throw MatrixError.invalidParam('Invalid event ID');
    if (body.redacts !== undefined && body.redacts !== eventId) {
      throw MatrixError.invalidParam('The redacts in the body does not match the event ID in the path');
    }
    const roomVersionId = await this.assertRoomKnown(roomId);
    const target = await this.stores.events.getEvent(eventId);
    if (target && target.event.roomId === roomId && target.event.sender !== requester.userId) {
      // A suspended user may redact their own events only.
      assertNotSuspended(requester);
      const version = getRoomVersion(roomVersionId);
      const create = await this.state.currentStateEvent(roomId, 'm.room.create', '');
      const power = await this.state.currentStateEvent(roomId, 'm.room.power_levels', '');
      const levels = PowerLevels.fromState(power?.event, create?.event, version);
      if (levels.userLevel(requester.userId) < levels.redact) {
        throw MatrixError.forbidden("You don't have permission to redact events sent by other users");
      }
    }
    const content: JsonObject = {};
    if (typeof body.reason === 'string') content.reason = body.reason;
    else if (body.reason !== undefined && body.reason !== null) throw MatrixError.badJson('reason must be a string');
    return this.events.send({
      roomId,
      sender: requester.userId,
      type: 'm.room.redaction',
      content,
      redacts: eventId,
      txn: { deviceId: requester.deviceId, txnId },
    });
  }

  async getEvent(requester: Requester, roomId: string, eventId: string): Promise<ClientEvent> {
    const notFound = MatrixError.notFound('Event not found.');
    if (!isValidEventId(eventId)) throw notFound;
    const access = await this.access.check(requester.userId, roomId);
    const stored = await this.stores.events.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId || stored.outlier || stored.rejectedReason !== null) throw notFound;
    if (access.kind === 'former' && stored.streamOrdering > access.membership.streamOrdering) throw notFound;
    const [visible] = await this.visibility.filterForUser(requester.userId, [stored], { isPeeking: access.kind === 'peeking' });
    if (!visible) throw notFound;
    const client = await this.serializer.serializeOne(visible, { requester });
    if (!client) throw notFound;
    return client;
  }

  /** The state the user may see: current while joined, at their leave after leaving. */
  async visibleState(requester: Requester, roomId: string): Promise<{ state: StateMap; access: RoomAccess }> {
    const access = await this.access.check(requester.userId, roomId);
    if (access.kind === 'former') {
      const state = await this.state.stateAfterEvent(access.membership.eventId);
      if (state === null) throw MatrixError.forbidden(`User ${requester.userId} is not in room ${roomId}`);
      return { state, access };
    }
    return { state: await this.state.currentStateIds(roomId), access };
  }

  async getState(requester: Requester, roomId: string): Promise<ClientEvent[]> {
    const { state } = await this.visibleState(requester, roomId);
    return this.serializer.serialize(await this.state.eventsOf(state), { requester });
  }

  async getStateEvent(requester: Requester, roomId: string, type: string, stateKey: string): Promise<ClientEvent> {
    const { state } = await this.visibleState(requester, roomId);
    const id = state.get(stateKeyOf(type, stateKey));
    const stored = id ? await this.stores.events.getEvent(id) : null;
    if (!stored) throw MatrixError.notFound(`Event not found.`);
    const client = await this.serializer.serializeOne(stored, { requester });
    if (!client) throw MatrixError.notFound('Event not found.');
    return client;
  }

  async getMembers(requester: Requester, roomId: string, filter: { membership?: string | null; notMembership?: string | null }): Promise<ClientEvent[]> {
    const { state } = await this.visibleState(requester, roomId);
    const members = (await this.state.eventsOf(state, (type) => type === MEMBERSHIP_TYPE)).filter((e: StoredEvent) => {
      const membership = e.event.membership;
      if (filter.membership && membership !== filter.membership) return false;
      if (filter.notMembership && membership === filter.notMembership) return false;
      return true;
    });
    return this.serializer.serialize(members, { requester });
  }

  async getJoinedMembers(requester: Requester, roomId: string): Promise<Record<string, { display_name?: string; avatar_url?: string }>> {
    const access = await this.access.check(requester.userId, roomId);
    if (access.kind !== 'member' && access.kind !== 'peeking') throw MatrixError.forbidden(`User ${requester.userId} is not in room ${roomId}`);
    const joined: Record<string, { display_name?: string; avatar_url?: string }> = {};
    for (const member of await this.state.currentStateEvents(roomId, (type) => type === MEMBERSHIP_TYPE)) {
      if (member.event.membership !== 'join') continue;
      const entry: { display_name?: string; avatar_url?: string } = {};
      const { displayname, avatar_url } = member.event.content;
      if (typeof displayname === 'string') entry.display_name = displayname;
      if (typeof avatar_url === 'string') entry.avatar_url = avatar_url;
      joined[member.event.stateKey!] = entry;
    }
    return joined;
  }

  async joinedRooms(requester: Requester): Promise<string[]> {
    return [...(await this.stores.members.getRoomsForUser(requester.userId))];
  }

  private async assertRoomKnown(roomId: string): Promise<string> {
    const version = await this.stores.events.getRoomVersionId(roomId);
    if (version === null) throw MatrixError.forbidden(`Unknown room ${roomId}`);
    return version;
  }
}

function sameJson(a: JsonObject, b: JsonObject): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}
