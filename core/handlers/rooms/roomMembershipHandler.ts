/**
 * Changing memberships of local users in rooms this server is in: join (by room ID or alias, including
 * restricted rooms), knock, invite, leave (including rejecting invites and rescinding knocks), kick, ban, unban
 * and forget. Rooms this server is not in are joined and knocked on through federation. The auth rules
 * decide who may do what; this handler builds the right member event, adds the user's profile, and turns refusals
 * into clear Matrix errors.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { domainOf, isAcceptableUserId, isValidRoomAlias, isValidRoomId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventsPersistenceController } from '../../storage/controllers/eventsPersistenceController.ts';
import type { EventCreationHandler, SentEvent } from '../events/eventCreationHandler.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomStateReader } from './roomStateReader.ts';
import { restrictedJoinAuthoriser } from './restrictedJoinAuthoriser.ts';
import { assertNotSuspended } from '../accounts/accountSuspension.ts';

export type MembershipAction = 'join' | 'invite' | 'leave' | 'kick' | 'ban' | 'unban';

export interface MembershipOptions {
  readonly reason?: string | null;
  /** Extra content for the member event (e.g. `is_direct` on invites). */
  readonly extraContent?: JsonObject;
  readonly txn?: { readonly deviceId: string; readonly txnId: string };
}

/**
 * Delivers an invite to a user on another server (federation's job). Until federation is configured, such
 * invites are refused clearly rather than recorded where the invitee would never see them.
 */
export interface RemoteInviter {
  inviteRemoteUser(roomId: string, inviter: string, target: string, content: JsonObject): Promise<SentEvent>;
}

/**
 * What membership needs from federation: joining and knocking on rooms this server is not in, rejecting their
 * invites and rescinding knocks, aliases.
 */
export interface RemoteMembershipPort extends RemoteInviter {
  join(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<string>;
  knock(userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<string>;
  /** Leaves a room we are not in, where the user is invited or has knocked (`membershipEventId`). */
  rejectInvite(userId: string, roomId: string, membershipEventId: string): Promise<void>;
  resolveAlias(alias: string): Promise<{ roomId: string; servers: string[] }>;
}

export class RoomMembershipHandler {
  private readonly state: RoomStateReader;
  private remote: RemoteMembershipPort | null = null;

  constructor(
    private readonly stores: DataStores,
    private readonly events: EventCreationHandler,
    private readonly persistence: EventsPersistenceController | null,
  ) {
    this.state = new RoomStateReader(stores);
  }

  /** Plugs in federation (built after the handlers, since it needs the event creation handler). */
  setRemote(remote: RemoteMembershipPort): void {
    this.remote = remote;
  }

  /** Resolves a room ID or an alias (ours, or another server's through federation) to a room ID and servers to join through. */
  async resolveRoom(roomIdOrAlias: string): Promise<{ roomId: string; servers: string[] }> {
    if (isValidRoomId(roomIdOrAlias)) {
      const domain = domainOf(roomIdOrAlias);
      return { roomId: roomIdOrAlias, servers: domain ? [domain] : [] };
    }
    if (isValidRoomAlias(roomIdOrAlias)) {
      if (domainOf(roomIdOrAlias) !== this.stores.serverName && this.remote) return this.remote.resolveAlias(roomIdOrAlias);
      const alias = this.stores.aliases.getAlias(roomIdOrAlias);
      if (!alias) throw MatrixError.notFound(`Room alias ${roomIdOrAlias} not found`);
      return { roomId: alias.roomId, servers: [] };
    }
    throw MatrixError.invalidParam(`${roomIdOrAlias} is neither a room ID nor a room alias`);
  }

  async join(requester: Requester, roomIdOrAlias: string, options: MembershipOptions & { via?: readonly string[] } = {}): Promise<string> {
    assertNotSuspended(requester);
    const resolved = await this.resolveRoom(roomIdOrAlias);
    const roomId = resolved.roomId;
    const profile = this.stores.profiles.getProfile(requester.userId);
    const content: JsonObject = { membership: 'join', ...profileContent(profile), ...(options.extraContent ?? {}) };
    if (options.reason) content.reason = options.reason;
    if (!(await this.isServerInRoom(roomId))) {
      if (!this.remote) throw MatrixError.notFound(`Room ${roomId} is not known to this server and federation is not configured`);
      const local = this.stores.members.getLocalMembership(requester.userId, roomId);
      const inviter = local?.membership === 'invite' ? (await this.stores.events.getEvent(local.eventId))?.event.senderDomain : undefined;
      const servers = [...(options.via ?? []), ...resolved.servers, ...(inviter ? [inviter] : [])];
      return this.remote.join(requester.userId, roomId, servers, content);
    }
    const current = await this.state.membership(roomId, requester.userId);
    if (current?.membership === 'join') {
      const existing = await this.stores.events.getEvent(current.eventId);
      const same = existing && existing.event.content.displayname === content.displayname && existing.event.content.avatar_url === content.avatar_url;
      if (same && !options.reason) return roomId;
    }
    const authoriser = await restrictedJoinAuthoriser(this.stores, roomId, requester.userId);
    if (authoriser) content.join_authorised_via_users_server = authoriser;
    await this.send(roomId, requester.userId, requester.userId, content, options);
    return roomId;
  }

  /** `POST /knock/{roomIdOrAlias}`: asks to be let into a room whose join rule is `knock` (or `knock_restricted`). */
  async knock(requester: Requester, roomIdOrAlias: string, options: MembershipOptions & { via?: readonly string[] } = {}): Promise<string> {
    assertNotSuspended(requester);
    const resolved = await this.resolveRoom(roomIdOrAlias);
    const roomId = resolved.roomId;
    const content: JsonObject = { membership: 'knock', ...profileContent(this.stores.profiles.getProfile(requester.userId)) };
    if (options.reason) content.reason = options.reason;
    if (!(await this.isServerInRoom(roomId))) {
      if (!this.remote) throw MatrixError.notFound(`Room ${roomId} is not known to this server and federation is not configured`);
      return this.remote.knock(requester.userId, roomId, [...(options.via ?? []), ...resolved.servers], content);
    }
    const current = await this.state.membership(roomId, requester.userId);
    if (current?.membership === 'join') throw MatrixError.forbidden(`${requester.userId} is already in room ${roomId}`);
    if (current?.membership === 'ban') throw MatrixError.forbidden(`${requester.userId} is banned from room ${roomId}`);
    await this.send(roomId, requester.userId, requester.userId, content, options);
    return roomId;
  }

  async invite(requester: Requester, roomId: string, target: string, options: MembershipOptions = {}): Promise<void> {
    assertNotSuspended(requester);
    if (!isAcceptableUserId(target)) throw MatrixError.invalidParam(`${target} is not a valid user ID`);
    await this.assertServerInRoom(roomId);
    const content: JsonObject = { membership: 'invite', ...(options.extraContent ?? {}) };
    if (options.reason) content.reason = options.reason;
    if (domainOf(target) !== this.stores.serverName) {
      if (!this.remote) throw MatrixError.forbidden(`Cannot invite ${target}: federation with other servers is not configured`);
      await this.remote.inviteRemoteUser(roomId, requester.userId, target, content);
      return;
    }
    if (!this.stores.users.getUser(target)) throw MatrixError.notFound(`User ${target} does not exist`);
    Object.assign(content, profileContent(this.stores.profiles.getProfile(target)), options.extraContent ?? {});
    await this.send(roomId, requester.userId, target, content, options);
  }

  async leave(requester: Requester, roomId: string, options: MembershipOptions = {}): Promise<void> {
    const current = await this.state.membership(roomId, requester.userId);
    if (!current || current.membership === 'leave' || current.membership === 'ban') {
      throw MatrixError.forbidden(`${requester.userId} is not in room ${roomId}`);
    }
    if (!(await this.isServerInRoom(roomId))) {
      // An invite to (or a knock on) a room this server is not in: leave through the room's servers, or locally
      // if none answers.
      if ((current.membership === 'invite' || current.membership === 'knock') && this.persistence) {
        if (this.remote) {
          try {
            await this.remote.rejectInvite(requester.userId, roomId, current.eventId);
            return;
          } catch {
            // Fall through: the user must be able to get rid of the invite even if its server is gone.
          }
        }
        await this.persistence.locallyRejectInvite(requester.userId, roomId);
        return;
      }
      throw MatrixError.forbidden(`This server is not in room ${roomId}`);
    }
    const content: JsonObject = { membership: 'leave' };
    if (options.reason) content.reason = options.reason;
    await this.send(roomId, requester.userId, requester.userId, content, options);
  }

  async kick(requester: Requester, roomId: string, target: string, options: MembershipOptions = {}): Promise<void> {
    await this.changeOther(requester, roomId, target, 'leave', options, ['join', 'invite', 'knock']);
  }

  async ban(requester: Requester, roomId: string, target: string, options: MembershipOptions = {}): Promise<void> {
    await this.changeOther(requester, roomId, target, 'ban', options, null);
  }

  async unban(requester: Requester, roomId: string, target: string, options: MembershipOptions = {}): Promise<void> {
    await this.changeOther(requester, roomId, target, 'leave', options, ['ban']);
  }

  /** Forgets a room the user has left; it then disappears from their archived rooms. */
  async forget(requester: Requester, roomId: string): Promise<void> {
    const current = await this.state.membership(roomId, requester.userId);
    if (current && (current.membership === 'join' || current.membership === 'invite' || current.membership === 'knock')) {
      throw new MatrixError(400, 'M_UNKNOWN', 'The user is still in the room; leave it before forgetting it');
    }
    this.stores.membershipsWriter.forgetRoom(requester.userId, roomId);
  }

  private async changeOther(
    requester: Requester,
    roomId: string,
    target: string,
    membership: 'leave' | 'ban',
    options: MembershipOptions,
    requiredCurrent: readonly string[] | null,
  ): Promise<void> {
    // Kicks, bans and unbans are acts in the room too.
    assertNotSuspended(requester);
    if (!isAcceptableUserId(target)) throw MatrixError.invalidParam(`${target} is not a valid user ID`);
    await this.assertServerInRoom(roomId);
    if (requiredCurrent) {
      const current = await this.state.membership(roomId, target);
      if (!current || !requiredCurrent.includes(current.membership)) {
        throw MatrixError.forbidden(`${target} is not ${requiredCurrent.includes('ban') ? 'banned from' : 'in'} room ${roomId}`);
      }
    }
    const content: JsonObject = { membership };
    if (options.reason) content.reason = options.reason;
    await this.send(roomId, requester.userId, target, content, options);
  }

  private async send(roomId: string, sender: string, target: string, content: JsonObject, options: MembershipOptions): Promise<SentEvent> {
    return this.events.send({
      roomId,
      sender,
      type: 'm.room.member',
      stateKey: target,
      content,
      ...(options.txn ? { txn: options.txn } : {}),
    });
  }

  private async isServerInRoom(roomId: string): Promise<boolean> {
    return (await this.stores.events.getRoomVersionId(roomId)) !== null && (await this.state.currentStateIds(roomId)).size > 0;
  }

  private async assertServerInRoom(roomId: string): Promise<void> {
    if ((await this.stores.events.getRoomVersionId(roomId)) === null) {
      throw MatrixError.notFound(`Room ${roomId} is not known to this server`);
    }
    if ((await this.state.currentStateIds(roomId)).size === 0) {
      throw MatrixError.notFound(`This server is no longer in room ${roomId} (no known servers to join through)`);
    }
  }
}

function profileContent(profile: { displayName: string | null; avatarUrl: string | null } | null): JsonObject {
  const content: JsonObject = {};
  if (profile?.displayName) content.displayname = profile.displayName;
  if (profile?.avatarUrl) content.avatar_url = profile.avatarUrl;
  return content;
}
