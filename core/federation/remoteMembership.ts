/**
 * The joining side of federation membership: joining a room this server is not in (make_join, then send_join
 * and the room state and auth chain it returns), knocking on one (make_knock / send_knock; the knock is kept as
 * an out-of-band membership with the stripped state the room sent), inviting a user of another server (their
 * server countersigns the invite), and rejecting an invite or rescinding a knock on a room we are not in
 * (make_leave / send_leave).
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { completeEvent, type EventSigner } from '../events/eventBuilder.ts';
import { domainOf } from '../events/identifiers.ts';
import { RoomEvent } from '../events/roomEvent.ts';
import { getRoomVersion, isKnownRoomVersion, KNOWN_ROOM_VERSIONS, type RoomVersion } from '../events/roomVersions.ts';
import type { Pdu } from '../events/pdu.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { EventsPersistenceController } from '../storage/controllers/eventsPersistenceController.ts';
import type { StateController } from '../storage/controllers/stateController.ts';
import { OUTLIER_CONTEXT } from '../state/eventContext.ts';
import { stateKey } from '../state/stateMap.ts';
import type { EventCreationHandler, SentEvent } from '../handlers/events/eventCreationHandler.ts';
import type { RemoteMembershipPort } from '../handlers/rooms/roomMembershipHandler.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { redactEvent } from '../events/redaction.ts';
import { checkEventAuthAgainstState } from '../auth/eventAuth.ts';
import type { Logger } from '../logging/logger.ts';
import { FederationRequestError, type FederationHttpClient } from './federationHttpClient.ts';
import type { FederationEventHandler } from './federationEventHandler.ts';
import type { KeyRing } from './keyRing.ts';
import type { MembershipServer } from './membershipServer.ts';

const enc = encodeURIComponent;

export interface RemoteMembershipDeps {
  readonly stores: DataStores;
  readonly client: FederationHttpClient;
  readonly events: EventCreationHandler;
  readonly receiver: FederationEventHandler;
  readonly persistence: EventsPersistenceController;
  readonly stateController: StateController;
  readonly keyRing: KeyRing;
  readonly membershipServer: MembershipServer;
  readonly signer: EventSigner;
  readonly log: Logger;
}

export class RemoteMembership implements RemoteMembershipPort {
  constructor(private readonly deps: RemoteMembershipDeps) {}

  /** Joins `userId` to a room through the first of `servers` that will have them. Returns the room ID. */
  async join(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<string> {
    const candidates = [...new Set(servers)].filter((s) => s !== this.deps.stores.serverName);
    if (candidates.length === 0) throw MatrixError.notFound(`No known servers to join ${roomId} through`);
    let lastError: unknown = null;
    for (const server of candidates) {
      try {
        await this.joinVia(server, userId, roomId, content);
        return roomId;
      } catch (e) {
        lastError = e;
        if (e instanceof MatrixError && (e.errcode === 'M_INCOMPATIBLE_ROOM_VERSION' || e.errcode === 'M_FORBIDDEN')) throw e;
        this.deps.log.info(`joining ${roomId} via ${server} failed: ${(e as Error).message}`);
      }
    }
    if (lastError instanceof MatrixError) throw lastError;
    throw new MatrixError(502, 'M_UNKNOWN', `Could not join ${roomId}: ${(lastError as Error)?.message ?? 'no server answered'}`);
  }

  private async joinVia(server: string, userId: string, roomId: string, content: JsonObject): Promise<void> {
    const versions = [...KNOWN_ROOM_VERSIONS.keys()];
    const made = await this.federationCall(server, () =>
      this.deps.client.request<{ room_version?: unknown; event?: unknown }>(server, {
        method: 'GET',
        path: `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(userId)}`,
        query: { ver: versions },
      }),
    );
    const roomVersion = this.versionOf(made.room_version ?? '1');
    const template = this.checkTemplate(made.event, roomId, userId, 'join');
    const templateContent = (template.content ?? {}) as JsonObject;
    const joinContent: JsonObject = { ...content, membership: 'join' };
    if (typeof templateContent.join_authorised_via_users_server === 'string') joinContent.join_authorised_via_users_server = templateContent.join_authorised_via_users_server;
    let join = completeEvent({ ...template, content: joinContent, origin_server_ts: Date.now(), ...(roomVersion.redactsInContent ? {} : { origin: this.deps.stores.serverName }) }, roomVersion, this.deps.signer);

    const response = await this.federationCall(server, () =>
      this.deps.client.request<{ state?: unknown; auth_chain?: unknown; event?: unknown }>(server, {
        method: 'PUT',
        path: `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(join.eventId)}`,
        body: join.toPduJson() as JsonObject,
      }),
    );
    // A restricted join comes back countersigned by the resident server.
    if (response.event) {
      const countersigned = await this.deps.receiver.parseAndVerify(response.event, roomVersion);
      if ('event' in countersigned && countersigned.event.eventId === join.eventId) join = countersigned.event;
    }
    const state = Array.isArray(response.state) ? response.state : [];
    const authChain = Array.isArray(response.auth_chain) ? response.auth_chain : [];
    const verified = await this.deps.receiver.persistOutliers([...authChain, ...state], roomVersion);
    const stateIds = new Set(state.map((e) => RoomEvent.fromPdu(e as Pdu, roomVersion).eventId));
    const stored = await this.deps.stores.events.getEvents([...stateIds]);
    const before = new Map<string, string>();
    for (const id of stateIds) {
      const entry = stored.get(id);
      const event = entry?.event ?? verified.get(id);
      if (!event || event.stateKey === null || entry?.rejectedReason) continue;
      before.set(stateKey(event.type, event.stateKey), event.eventId);
    }
    if (!before.has(stateKey('m.room.create', ''))) throw new MatrixError(502, 'M_UNKNOWN', `${server} sent a room state without a create event`);
    const authState = await this.deps.receiver.authStateFor(join, before);
    try {
      checkEventAuthAgainstState(join, authState);
    } catch (e) {
      throw MatrixError.forbidden(`The join is not allowed by the room state ${server} sent: ${(e as Error).message}`);
    }
    const context = this.deps.stateController.contextFor(join, { state: before, group: null }, null);
    await this.deps.persistence.persistEvent(join, context);
  }

  /** Invites `target` (a user of another server): their server must countersign the invite before we keep it. */
  async inviteRemoteUser(roomId: string, inviter: string, target: string, content: JsonObject): Promise<SentEvent> {
    const targetServer = domainOf(target);
    if (!targetServer) throw MatrixError.invalidParam(`${target} is not a user ID`);
    const strippedState = await this.deps.membershipServer.strippedState(roomId);
    return this.deps.events.send(
      { roomId, sender: inviter, type: 'm.room.member', stateKey: target, content: { ...content, membership: 'invite' } },
      {
        beforePersist: async (invite) => {
          const response = await this.federationCall(targetServer, () =>
            this.deps.client.request<{ event?: unknown }>(targetServer, {
              method: 'PUT',
              path: `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(invite.eventId)}`,
              body: { event: invite.toPduJson() as JsonObject, room_version: invite.roomVersion.identifier, invite_room_state: strippedState },
            }),
          );
          const signed = response.event as Pdu | undefined;
          if (!signed || typeof signed !== 'object') throw new MatrixError(502, 'M_UNKNOWN', `${targetServer} did not return the signed invite`);
          const countersigned = RoomEvent.fromTrusted({ ...invite.pdu, signatures: signed.signatures } as Pdu, invite.roomVersion, invite.eventId, invite.internal);
          if (!(await this.deps.keyRing.isSignedBy(signed as unknown as JsonObject, targetServer, 0, redactEvent(invite.pdu, invite.roomVersion)))) {
            throw new MatrixError(502, 'M_UNKNOWN', `${targetServer} returned an invite it did not sign`);
          }
          return countersigned;
        },
      },
    );
  }

  /**
   * Knocks on a room this server is not in through the first of `servers` that accepts. The knock event is
   * kept as an outlier: the user's out-of-band `knock` membership, shown in /sync with the room's stripped state.
   */
  async knock(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<string> {
    const candidates = [...new Set(servers)].filter((s) => s !== this.deps.stores.serverName);
    if (candidates.length === 0) throw MatrixError.notFound(`No known servers to knock on ${roomId} through`);
    let lastError: unknown = null;
    for (const server of candidates) {
      try {
        await this.knockVia(server, userId, roomId, content);
        return roomId;
      } catch (e) {
        lastError = e;
        if (e instanceof MatrixError && ['M_INCOMPATIBLE_ROOM_VERSION', 'M_FORBIDDEN', 'M_UNSUPPORTED_ROOM_VERSION'].includes(e.errcode)) throw e;
        this.deps.log.info(`knocking on ${roomId} via ${server} failed: ${(e as Error).message}`);
      }
    }
    if (lastError instanceof MatrixError) throw lastError;
    throw new MatrixError(502, 'M_UNKNOWN', `Could not knock on ${roomId}: ${(lastError as Error)?.message ?? 'no server answered'}`);
  }

  private async knockVia(server: string, userId: string, roomId: string, content: JsonObject): Promise<void> {
    const versions = [...KNOWN_ROOM_VERSIONS.keys()].filter((v) => getRoomVersion(v).knock);
    const made = await this.federationCall(server, () =>
      this.deps.client.request<{ room_version?: unknown; event?: unknown }>(server, {
        method: 'GET',
        path: `/_matrix/federation/v1/make_knock/${enc(roomId)}/${enc(userId)}`,
        query: { ver: versions },
      }),
    );
    const roomVersion = this.versionOf(made.room_version);
    if (!roomVersion.knock) throw MatrixError.forbidden(`Room version ${roomVersion.identifier} does not support knocking`);
    const template = this.checkTemplate(made.event, roomId, userId, 'knock');
    const knock = completeEvent({ ...template, content: { ...content, membership: 'knock' }, origin_server_ts: Date.now() }, roomVersion, this.deps.signer);
    const response = await this.federationCall(server, () =>
      this.deps.client.request<{ knock_room_state?: unknown }>(server, {
        method: 'PUT',
        path: `/_matrix/federation/v1/send_knock/${enc(roomId)}/${enc(knock.eventId)}`,
        body: knock.toPduJson() as JsonObject,
      }),
    );
    const strippedState = Array.isArray(response.knock_room_state)
      ? response.knock_room_state.filter((e): e is JsonObject => typeof e === 'object' && e !== null && !Array.isArray(e))
      : [];
    const kept = RoomEvent.fromTrusted(knock.pdu, roomVersion, knock.eventId, { outlier: true, inviteRoomState: strippedState });
    await this.deps.persistence.persistEvents([{ event: kept, context: OUTLIER_CONTEXT }]);
  }

  /**
   * Leaves a room we are not in where the user is invited (through the inviting server) or has knocked (through
   * the servers whose users sent the room's stripped state, then the room ID's server).
   */
  async rejectInvite(userId: string, roomId: string, membershipEventId: string): Promise<void> {
    const membership = (await this.deps.stores.events.getEvent(membershipEventId))?.event;
    if (!membership) throw MatrixError.notFound('The membership is not known');
    const servers =
      membership.membership === 'knock'
        ? [...new Set([...(membership.internal.inviteRoomState ?? []).map((e) => domainOf(String(e.sender))), domainOf(roomId)])]
        : [membership.senderDomain];
    let lastError: unknown = new Error('no server to leave through');
    for (const server of servers) {
      if (!server || server === this.deps.stores.serverName) continue;
      try {
        await this.leaveVia(server, userId, roomId, membership.roomVersion.identifier);
        return;
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  }

  private async leaveVia(server: string, userId: string, roomId: string, knownVersion: string): Promise<void> {
    const made = await this.federationCall(server, () =>
      this.deps.client.request<{ room_version?: unknown; event?: unknown }>(server, { method: 'GET', path: `/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(userId)}` }),
    );
    const roomVersion = this.versionOf(made.room_version ?? knownVersion);
    const template = this.checkTemplate(made.event, roomId, userId, 'leave');
    const leave = completeEvent({ ...template, origin_server_ts: Date.now() }, roomVersion, this.deps.signer, { outlier: true });
    await this.federationCall(server, () =>
      this.deps.client.request(server, { method: 'PUT', path: `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(leave.eventId)}`, body: leave.toPduJson() as JsonObject }),
    );
    await this.deps.persistence.persistEvents([{ event: leave, context: OUTLIER_CONTEXT }]);
  }

  /**
   * Another server's user's profile through query/profile; 404 when that server does not know them. Extended
   * fields pass through as they are; a display name or avatar that is not a string is dropped.
   */
  async getProfile(userId: string): Promise<JsonObject> {
    const server = domainOf(userId);
    if (!server) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    const answer = await this.federationCall(server, () =>
      this.deps.client.request<unknown>(server, { method: 'GET', path: '/_matrix/federation/v1/query/profile', query: { user_id: userId } }),
    );
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return {};
    const profile: JsonObject = { ...(answer as JsonObject) };
    for (const key of ['displayname', 'avatar_url']) if (typeof profile[key] !== 'string') delete profile[key];
    return profile;
  }

  /** Looks up another server's alias through query/directory. */
  async resolveAlias(alias: string): Promise<{ roomId: string; servers: string[] }> {
    const server = domainOf(alias);
    if (!server) throw MatrixError.invalidParam(`${alias} is not a room alias`);
    const answer = await this.federationCall(server, () =>
      this.deps.client.request<{ room_id?: unknown; servers?: unknown }>(server, { method: 'GET', path: '/_matrix/federation/v1/query/directory', query: { room_alias: alias } }),
    );
    if (typeof answer.room_id !== 'string') throw MatrixError.notFound(`Room alias ${alias} not found`);
    const servers = Array.isArray(answer.servers) ? answer.servers.filter((s): s is string => typeof s === 'string') : [];
    return { roomId: answer.room_id, servers: [...servers, server] };
  }

  private versionOf(id: unknown): RoomVersion {
    if (!isKnownRoomVersion(id)) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `Room version ${JSON.stringify(id)} is not supported by this server`);
    return getRoomVersion(id);
  }

  /** A make_* template must be the membership we asked for, of our user, in that room. */
  private checkTemplate(raw: unknown, roomId: string, userId: string, membership: string): JsonObject {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MatrixError(502, 'M_UNKNOWN', 'The event template is not an object');
    const template = raw as JsonObject;
    const content = template.content as JsonObject | undefined;
    if (template.type !== 'm.room.member' || template.room_id !== roomId || template.sender !== userId || template.state_key !== userId || content?.membership !== membership) {
      throw new MatrixError(502, 'M_UNKNOWN', 'The event template does not match the request');
    }
    return template;
  }

  /** Runs a federation request, turning the remote server's Matrix errors into ours. */
  private async federationCall<T>(server: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof FederationRequestError) {
        if (e.errcode && e.status >= 400 && e.status < 500) {
          const body = (e.body ?? {}) as { error?: unknown; room_version?: unknown };
          throw new MatrixError(e.status, e.errcode as never, typeof body.error === 'string' ? body.error : e.message, body.room_version ? { room_version: body.room_version } : {});
        }
        throw new MatrixError(502, 'M_UNKNOWN', `${server}: ${e.message}`);
      }
      throw e;
    }
  }
}
