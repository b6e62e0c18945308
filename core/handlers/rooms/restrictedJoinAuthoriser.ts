/**
 * Restricted rooms (v8+ `restricted`, v10+ `knock_restricted`): a user not invited may join when they are joined
 * to a room the join rules allow, and a local member who may invite vouches for the join
 * (`join_authorised_via_users_server`). Used for local joins and for make_join from other servers.
 */
import type { JsonValue } from '../../crypto/canonicalJson.ts';
import { domainOf } from '../../events/identifiers.ts';
import { getRoomVersion } from '../../events/roomVersions.ts';
import { PowerLevels } from '../../auth/powerLevels.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { MatrixError } from '../matrixError.ts';
import { RoomStateReader } from './roomStateReader.ts';

/** The room IDs of the `m.room_membership` conditions of a join rules `allow` list. */
export function allowedRoomIds(allow: JsonValue | undefined): string[] {
  if (!Array.isArray(allow)) return [];
  return allow.flatMap((entry) =>
    entry && typeof entry === 'object' && !Array.isArray(entry) && entry.type === 'm.room_membership' && typeof entry.room_id === 'string' ? [entry.room_id] : [],
  );
}

/**
 * The local user to name as `join_authorised_via_users_server` for `userId` joining `roomId`, or null when the
 * room is not restricted or the user needs no authorisation (already invited or joined). Throws 403 when the
 * user satisfies no condition, and 400 M_UNABLE_TO_AUTHORISE_JOIN when no local member may invite.
 */
export async function restrictedJoinAuthoriser(stores: DataStores, roomId: string, userId: string): Promise<string | null> {
  const state = new RoomStateReader(stores);
  const versionId = await stores.events.getRoomVersionId(roomId);
  if (versionId === null) return null;
  const version = getRoomVersion(versionId);
  const joinRules = await state.currentStateEvent(roomId, 'm.room.join_rules', '');
  const rule = joinRules?.event.content.join_rule;
  const restricted = (rule === 'restricted' && version.restrictedJoinRule) || (rule === 'knock_restricted' && version.knockRestrictedJoinRule);
  if (!restricted) return null;
  const membership = (await state.membership(roomId, userId))?.membership;
  if (membership === 'invite' || membership === 'join') return null;
  let eligible = false;
  for (const allowed of allowedRoomIds(joinRules?.event.content.allow)) {
    if ((await state.membership(allowed, userId))?.membership === 'join') eligible = true;
  }
  if (!eligible) throw MatrixError.forbidden(`${userId} is not a member of any room that the join rules of ${roomId} allow`);
  const create = await state.currentStateEvent(roomId, 'm.room.create', '');
  const power = await state.currentStateEvent(roomId, 'm.room.power_levels', '');
  const levels = PowerLevels.fromState(power?.event, create?.event, version);
  const local = (await stores.members.getUsersInRoom(roomId)).filter((u) => domainOf(u) === stores.serverName);
  const authoriser = local.find((u) => levels.userLevel(u) >= levels.invite);
  if (!authoriser) throw new MatrixError(400, 'M_UNABLE_TO_AUTHORISE_JOIN', 'No user of this server in the room can authorise the join');
  return authoriser;
}
