/**
 * The resident-server side of joins, leaves, knocks and invites (server-server API, "Joining Rooms", "Leaving
 * Rooms", "Knocking", "Inviting to a room"): make_* hands out an event template built from the room's current
 * state; send_* checks the event the other server completed and signed, countersigns restricted joins, runs it
 * through the normal receive pipeline and answers with the room state; invite countersigns an invite for one of
 * our users and keeps it as an out-of-band membership.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import { getRoomVersion, isKnownRoomVersion, type RoomVersion } from '../events/roomVersions.ts';
import { addEventSignature } from '../events/eventSigning.ts';
import { RoomEvent } from '../events/roomEvent.ts';
import type { EventSigner } from '../events/eventBuilder.ts';
import type { Pdu } from '../events/pdu.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../storage/databases/main/eventsReadStore.ts';
import type { EventAuthReadStore } from '../storage/databases/main/eventAuthReadStore.ts';
import type { EventsPersistenceController } from '../storage/controllers/eventsPersistenceController.ts';
import { OUTLIER_CONTEXT } from '../state/eventContext.ts';
import type { EventCreationHandler } from '../handlers/events/eventCreationHandler.ts';
import { RoomStateReader } from '../handlers/rooms/roomStateReader.ts';
import { restrictedJoinAuthoriser } from '../handlers/rooms/restrictedJoinAuthoriser.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { checkEventAuthAgainstState } from '../auth/eventAuth.ts';
import type { FederationEventHandler } from './federationEventHandler.ts';
import { RoomDataServer } from './roomDataServer.ts';

type Membership = 'join' | 'leave' | 'knock';

export interface SendJoinResponse {
  origin: string;
  auth_chain: JsonObject[];
  state: JsonObject[];
  event?: JsonObject;
  members_omitted: boolean;
}

export class MembershipServer {
  private readonly state: RoomStateReader;

  constructor(
    private readonly stores: DataStores,
    private readonly events: EventCreationHandler,
    private readonly receiver: FederationEventHandler,
    private readonly persistence: EventsPersistenceController,
    private readonly authChains: EventAuthReadStore,
    private readonly signer: EventSigner,
  ) {
    this.state = new RoomStateReader(stores);
  }

  private async roomVersionOf(roomId: string): Promise<RoomVersion> {
    const id = await this.stores.events.getRoomVersionId(roomId);
    if (id === null || (await this.state.currentStateIds(roomId)).size === 0) throw MatrixError.notFound(`Room ${roomId} is not known to this server`);
    return getRoomVersion(id);
  }

  /** make_join / make_leave / make_knock: an unsigned template for `userId` of `origin`. */
  async makeMembership(origin: string, roomId: string, userId: string, membership: Membership, supportedVersions: readonly string[]): Promise<{ room_version: string; event: JsonObject }> {
    if (domainOf(userId) !== origin) throw MatrixError.forbidden(`${userId} is not a user of ${origin}`);
    const version = await this.roomVersionOf(roomId);
    if (membership !== 'leave' && !supportedVersions.includes(version.identifier)) {
      throw new MatrixError(400, 'M_INCOMPATIBLE_ROOM_VERSION', `Room version ${version.identifier} is not supported by ${origin}`, { room_version: version.identifier });
    }
    if (membership === 'knock' && !version.knock) throw MatrixError.forbidden('This room version does not support knocking');
    const content: JsonObject = { membership };
    if (membership === 'join') {
      const authoriser = await restrictedJoinAuthoriser(this.stores, roomId, userId);
      if (authoriser) content.join_authorised_via_users_server = authoriser;
    }
    const prepared = await this.events.prepare({ roomId, sender: userId, type: 'm.room.member', stateKey: userId, content });
    // The template must be acceptable now: check it as if completed (signatures are not part of the rules).
    const probe = RoomEvent.fromTrusted({ ...(prepared.unsigned as Pdu), hashes: { sha256: '' }, signatures: {} }, version, '$template');
    const authState = await this.receiver.authStateFor(probe, prepared.before.state);
    try {
      checkEventAuthAgainstState(probe, authState, { isSignedBy: () => true });
    } catch (e) {
      throw MatrixError.forbidden((e as Error).message);
    }
    return { room_version: version.identifier, event: prepared.unsigned as JsonObject };
  }

  /** send_join / send_leave / send_knock (v2 bodies). */
  async sendMembership(origin: string, roomId: string, eventId: string, membership: Membership, raw: JsonValue): Promise<SendJoinResponse | Record<string, never> | { knock_room_state: JsonObject[] }> {
    const version = await this.roomVersionOf(roomId);
    let parsed = await this.receiver.parseAndVerify(raw, version);
    if ('dropped' in parsed) throw MatrixError.invalidParam(parsed.dropped);
    let event = parsed.event;
    if (event.eventId !== eventId) throw MatrixError.invalidParam('The event ID does not match the event');
    if (event.roomId !== roomId) throw MatrixError.invalidParam('The event is for another room');
    if (event.type !== 'm.room.member' || event.membership !== membership) throw MatrixError.invalidParam(`Not an m.room.member event with membership ${membership}`);
    if (event.stateKey !== event.sender) throw MatrixError.invalidParam('state_key must be the sender');
    if (event.senderDomain !== origin) throw MatrixError.invalidParam(`The sender is not a user of ${origin}`);

    let countersigned = false;
    const authoriser = event.content.join_authorised_via_users_server;
    if (membership === 'join' && typeof authoriser === 'string' && domainOf(authoriser) === this.stores.serverName && version.restrictedJoinRule) {
      const signed = addEventSignature(event.pdu as JsonObject, version, this.signer.serverName, this.signer.signingKey) as Pdu;
      event = RoomEvent.fromTrusted(signed, version, event.eventId);
      countersigned = true;
      parsed = { event };
    }
    const before = await this.stateBeforeMembership(event);
    const result = await this.receiver.receiveVerified(origin, event);
    if (result.outcome === 'rejected' || result.outcome === 'dropped') throw MatrixError.forbidden(result.reason ?? 'The event is not allowed');
    if (membership === 'leave') return {};
    if (membership === 'knock') return { knock_room_state: await this.strippedState(roomId) };

    const stateEvents = [...(await this.stores.events.getEvents([...before.values()])).values()].filter((e): e is StoredEvent => !!e);
    const chainIds = await this.authChains.getAuthChain([...before.values(), ...event.authEventIds]);
    for (const id of event.authEventIds) chainIds.add(id);
    const chain = [...(await this.stores.events.getEvents([...chainIds])).values()].filter((e): e is StoredEvent => !!e);
    const response: SendJoinResponse = {
      origin: this.stores.serverName,
      auth_chain: chain.sort((a, b) => a.event.depth - b.event.depth).map((e) => RoomDataServer.pdu(e.event)),
      state: stateEvents.map((e) => RoomDataServer.pdu(e.event)),
      members_omitted: false,
    };
    if (countersigned) response.event = RoomDataServer.pdu(event);
    return response;
  }

  /** invite v2: an invite of one of our users, which we countersign and keep until they answer. */
  async receiveInvite(origin: string, roomId: string, eventId: string, body: JsonObject): Promise<{ event: JsonObject }> {
    const versionId = body.room_version;
    if (!isKnownRoomVersion(versionId)) {
      throw new MatrixError(400, 'M_INCOMPATIBLE_ROOM_VERSION', `Room version ${JSON.stringify(versionId)} is not supported`, { room_version: String(versionId) });
    }
    const version = getRoomVersion(versionId);
    const parsed = await this.receiver.parseAndVerify(body.event, version);
    if ('dropped' in parsed) throw MatrixError.forbidden(parsed.dropped);
    const event = parsed.event;
    if (event.eventId !== eventId || event.roomId !== roomId) throw MatrixError.invalidParam('The event does not match the request path');
    if (event.type !== 'm.room.member' || event.membership !== 'invite' || event.stateKey === null) throw MatrixError.invalidParam('Not an invite');
    if (event.senderDomain !== origin) throw MatrixError.forbidden(`The inviter is not a user of ${origin}`);
    if (domainOf(event.stateKey) !== this.stores.serverName) throw MatrixError.forbidden('The invited user is not on this server');
    const invitee = this.stores.users.getUser(event.stateKey);
    if (!invitee || invitee.deactivated) throw MatrixError.notFound(`User ${event.stateKey} does not exist`);
    const signed = addEventSignature(event.pdu as JsonObject, version, this.signer.serverName, this.signer.signingKey) as Pdu;
    const strippedState = Array.isArray(body.invite_room_state) ? body.invite_room_state.filter((e) => typeof e === 'object' && e !== null && !Array.isArray(e)) : [];
    const kept = RoomEvent.fromTrusted(signed, version, event.eventId, { outlier: true, inviteRoomState: strippedState as JsonObject[] });
    const current = (await this.state.currentStateIds(roomId)).size > 0;
    if (!current) await this.persistence.persistEvents([{ event: kept, context: OUTLIER_CONTEXT }]);
    return { event: signed as JsonObject };
  }

  /** The state before a membership event: the current state, which is what make_* built it from. */
  private async stateBeforeMembership(event: RoomEvent): Promise<ReadonlyMap<string, string>> {
    return this.state.currentStateIds(event.roomId);
  }

  /** Stripped state for invites and knocks: the events a client needs to show the room. */
  async strippedState(roomId: string): Promise<JsonObject[]> {
    const types = new Set(['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.avatar', 'm.room.canonical_alias', 'm.room.encryption', 'm.room.topic']);
    const events = await this.state.currentStateEvents(roomId, (type, key) => types.has(type) && key === '');
    return events.map((e) => ({ type: e.event.type, state_key: e.event.stateKey!, sender: e.event.sender, content: e.event.content }));
  }
}
