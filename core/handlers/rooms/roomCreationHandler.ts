/**
 * `POST /createRoom`: the create event, the creator's join, power levels (preset defaults merged with
 * `power_level_content_override`), the canonical alias, preset join rules / history visibility / guest access,
 * `initial_state`, name and topic, then the invites, in the order the spec lists.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { DEFAULT_ROOM_VERSION, getRoomVersion, isKnownRoomVersion } from '../../events/roomVersions.ts';
import { isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventCreationHandler } from '../events/eventCreationHandler.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { RoomMembershipHandler } from './roomMembershipHandler.ts';
import { assertNotSuspended } from '../accounts/accountSuspension.ts';

export type RoomPreset = 'private_chat' | 'public_chat' | 'trusted_private_chat';

/** As Synapse: in public rooms inviting takes a moderator (50); in private ones anyone may invite. */
const PRESETS: Record<RoomPreset, { joinRule: string; historyVisibility: string; guestAccess: string | null; inviteesAreAdmins: boolean; inviteLevel: number }> = {
  private_chat: { joinRule: 'invite', historyVisibility: 'shared', guestAccess: 'can_join', inviteesAreAdmins: false, inviteLevel: 0 },
  trusted_private_chat: { joinRule: 'invite', historyVisibility: 'shared', guestAccess: 'can_join', inviteesAreAdmins: true, inviteLevel: 0 },
  public_chat: { joinRule: 'public', historyVisibility: 'shared', guestAccess: null, inviteesAreAdmins: false, inviteLevel: 50 },
};

export interface CreateRoomOptions {
  readonly visibility?: 'public' | 'private';
  readonly room_alias_name?: string;
  readonly name?: string;
  readonly topic?: string;
  readonly invite?: string[];
  readonly room_version?: string;
  readonly creation_content?: JsonObject;
  readonly initial_state?: { type: string; state_key?: string; content: JsonObject }[];
  readonly preset?: RoomPreset;
  readonly is_direct?: boolean;
  readonly power_level_content_override?: JsonObject;
}

/** Checks the body of POST /createRoom and returns it typed; every problem is a 400 naming the field. */
export function parseCreateRoomBody(body: JsonObject): CreateRoomOptions {
  const options: Record<string, unknown> = {};
  const stringField = (name: string) => {
    const value = body[name];
    if (value === undefined || value === null) return;
    if (typeof value !== 'string') throw MatrixError.badJson(`${name} must be a string`);
    options[name] = value;
  };
  ['room_alias_name', 'name', 'topic', 'room_version'].forEach(stringField);
  if (body.visibility !== undefined && body.visibility !== null) {
    if (body.visibility !== 'public' && body.visibility !== 'private') throw MatrixError.badJson('visibility must be "public" or "private"');
    options.visibility = body.visibility;
  }
  if (body.preset !== undefined && body.preset !== null) {
    if (typeof body.preset !== 'string' || !(body.preset in PRESETS)) throw MatrixError.badJson(`preset must be one of ${Object.keys(PRESETS).join(', ')}`);
    options.preset = body.preset;
  }
  if (body.invite !== undefined && body.invite !== null) {
    if (!Array.isArray(body.invite) || !body.invite.every((u) => typeof u === 'string')) throw MatrixError.badJson('invite must be a list of user IDs');
    for (const userId of body.invite as string[]) if (!isAcceptableUserId(userId)) throw MatrixError.badJson(`invite: ${userId} is not a user ID`);
    options.invite = body.invite;
  }
  if (body.invite_3pid !== undefined && body.invite_3pid !== null && !(Array.isArray(body.invite_3pid) && body.invite_3pid.length === 0)) {
    throw new MatrixError(400, 'M_UNKNOWN', 'Third-party invites are not supported by this server');
  }
  for (const name of ['creation_content', 'power_level_content_override'] as const) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw MatrixError.badJson(`${name} must be an object`);
    options[name] = value;
  }
  if (body.initial_state !== undefined && body.initial_state !== null) {
    if (!Array.isArray(body.initial_state)) throw MatrixError.badJson('initial_state must be a list of state events');
    options.initial_state = body.initial_state.map((entry: JsonValue, i: number) => {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw MatrixError.badJson(`initial_state[${i}] must be an object`);
      if (typeof entry.type !== 'string') throw MatrixError.badJson(`initial_state[${i}].type must be a string`);
      if (entry.state_key !== undefined && typeof entry.state_key !== 'string') throw MatrixError.badJson(`initial_state[${i}].state_key must be a string`);
      if (!entry.content || typeof entry.content !== 'object' || Array.isArray(entry.content)) throw MatrixError.badJson(`initial_state[${i}].content must be an object`);
      return { type: entry.type, state_key: entry.state_key ?? '', content: entry.content };
    });
  }
  if (body.is_direct !== undefined && body.is_direct !== null) {
    if (typeof body.is_direct !== 'boolean') throw MatrixError.badJson('is_direct must be a boolean');
    options.is_direct = body.is_direct;
  }
  return options as CreateRoomOptions;
}

export class RoomCreationHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly events: EventCreationHandler,
    private readonly memberships: RoomMembershipHandler,
    private readonly defaultRoomVersion: string = DEFAULT_ROOM_VERSION,
  ) {}

  async createRoom(requester: Requester, options: CreateRoomOptions): Promise<{ room_id: string; room_alias?: string }> {
    assertNotSuspended(requester);
    const serverName = this.stores.serverName;
    const creator = requester.userId;
    const versionId = options.room_version ?? this.defaultRoomVersion;
    if (!isKnownRoomVersion(versionId)) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `Room version ${versionId} is not supported`);
    const roomVersion = getRoomVersion(versionId);

    let alias: string | null = null;
    if (options.room_alias_name !== undefined) {
      const localpart = options.room_alias_name;
      if (localpart === '' || localpart.includes(':') || /\s/.test(localpart) || localpart.includes('\0')) {
        throw new MatrixError(400, 'M_INVALID_PARAM', 'room_alias_name may not contain colons or whitespace');
      }
      alias = `#${localpart}:${serverName}`;
      if (Buffer.byteLength(alias) > 255) throw new MatrixError(400, 'M_INVALID_PARAM', 'The room alias is too long');
      if (this.stores.aliases.getAlias(alias)) throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
    }
    const preset = PRESETS[options.preset ?? (options.visibility === 'public' ? 'public_chat' : 'private_chat')];
    const invitees = [...new Set(options.invite ?? [])].filter((u) => u !== creator);

    const roomId = `!${randomLocalpart()}:${serverName}`;
    const send = (type: string, stateKey: string, content: JsonObject) => this.events.send({ roomId, sender: creator, type, stateKey, content });

    const creationContent: JsonObject = { ...(options.creation_content ?? {}), room_version: versionId };
    if (roomVersion.implicitRoomCreator) delete creationContent.creator;
    else creationContent.creator = creator;
    await this.events.send({ roomId, sender: creator, type: 'm.room.create', stateKey: '', content: creationContent, roomVersion: versionId });

    const profile = this.stores.profiles.getProfile(creator);
    const joinContent: JsonObject = { membership: 'join' };
    if (profile?.displayName) joinContent.displayname = profile.displayName;
    if (profile?.avatarUrl) joinContent.avatar_url = profile.avatarUrl;
    await send('m.room.member', creator, joinContent);

    const users: JsonObject = { [creator]: 100 };
    if (preset.inviteesAreAdmins) for (const invitee of invitees) users[invitee] = 100;
    const powerLevels: JsonObject = {
      users,
      users_default: 0,
      events: {
        'm.room.name': 50,
        'm.room.power_levels': 100,
        'm.room.history_visibility': 100,
        'm.room.canonical_alias': 50,
        'm.room.avatar': 50,
        'm.room.tombstone': 100,
        'm.room.server_acl': 100,
        'm.room.encryption': 100,
      },
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: preset.inviteLevel,
      ...(options.power_level_content_override ?? {}),
    };
    await send('m.room.power_levels', '', powerLevels);

    if (alias !== null) {
      if (!this.stores.aliases.createAlias(alias, roomId, creator, Date.now())) throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
      await send('m.room.canonical_alias', '', { alias });
    }
    const initial = new Map((options.initial_state ?? []).map((s) => [`${s.type}\u0000${s.state_key ?? ''}`, s]));
    const presetState: [string, JsonObject][] = [
      ['m.room.join_rules', { join_rule: preset.joinRule }],
      ['m.room.history_visibility', { history_visibility: preset.historyVisibility }],
    ];
    if (preset.guestAccess) presetState.push(['m.room.guest_access', { guest_access: preset.guestAccess }]);
    for (const [type, content] of presetState) if (!initial.has(`${type}\u0000`)) await send(type, '', content);
    for (const state of initial.values()) await send(state.type, state.state_key ?? '', state.content);
    if (options.name !== undefined) await send('m.room.name', '', { name: options.name });
    if (options.topic !== undefined) await send('m.room.topic', '', { topic: options.topic });

    if (options.visibility === 'public') this.stores.rooms.setPublic(roomId, true);
    for (const invitee of invitees) {
      await this.memberships.invite(requester, roomId, invitee, options.is_direct ? { extraContent: { is_direct: true } } : {});
    }
    return alias === null ? { room_id: roomId } : { room_id: roomId, room_alias: alias };
  }
}

function randomLocalpart(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from(randomBytes(18), (b) => letters[b % letters.length]).join('');
}

