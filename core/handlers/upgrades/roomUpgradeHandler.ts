/**
 * `POST /rooms/{roomId}/upgrade`: replaces a room by a new one of another room version. The new room's create
 * event names its predecessor; its important state is copied (name, topic, avatar, join rules, history
 * visibility, guest access, encryption, server ACLs, space children, bans, power levels); local aliases move to
 * it with the canonical alias; and the old room gets an `m.room.tombstone` pointing at the new one, with power
 * levels raised so that ordinary members can no longer send messages or invite there.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { PowerLevels } from '../../auth/powerLevels.ts';
import { getRoomVersion, isKnownRoomVersion } from '../../events/roomVersions.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventCreationHandler } from '../events/eventCreationHandler.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomStateReader } from '../rooms/roomStateReader.ts';
import { assertNotSuspended } from '../accounts/accountSuspension.ts';

/** State copied to the new room as it is (power levels and bans are handled on their own). */
const COPIED_STATE = [
  'm.room.server_acl', 'm.room.encryption', 'm.room.name', 'm.room.topic', 'm.room.avatar', 'm.room.join_rules',
  'm.room.history_visibility', 'm.room.guest_access', 'm.space.child', 'm.space.parent',
];

export class RoomUpgradeHandler {
  private readonly state: RoomStateReader;

  constructor(
    private readonly stores: DataStores,
    private readonly events: EventCreationHandler,
  ) {
    this.state = new RoomStateReader(stores);
  }

  async upgrade(requester: Requester, oldRoomId: string, newVersionId: string): Promise<{ replacement_room: string }> {
    assertNotSuspended(requester);
    if (!isKnownRoomVersion(newVersionId)) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `Room version ${newVersionId} is not supported`);
    const oldVersionId = await this.stores.events.getRoomVersionId(oldRoomId);
    if (oldVersionId === null) throw MatrixError.notFound('Unknown room');
    const userId = requester.userId;
    if ((await this.state.membership(oldRoomId, userId))?.membership !== 'join') throw MatrixError.forbidden('You are not in this room');
    const create = await this.state.currentStateEvent(oldRoomId, 'm.room.create', '');
    const power = await this.state.currentStateEvent(oldRoomId, 'm.room.power_levels', '');
    const oldLevels = PowerLevels.fromState(power?.event, create?.event, getRoomVersion(oldVersionId));
    if (oldLevels.userLevel(userId) < oldLevels.requiredLevel('m.room.tombstone', true)) {
      throw MatrixError.forbidden('You do not have the power to upgrade this room');
    }

    const newVersion = getRoomVersion(newVersionId);
    const newRoomId = `!${randomLocalpart()}:${this.stores.serverName}`;
    const send = (roomId: string, type: string, stateKey: string, content: JsonObject) => this.events.send({ roomId, sender: userId, type, stateKey, content });

    const lastEventId = (await this.stores.events.getLatestEventIdsInRoom(oldRoomId))[0];
    const creationContent: JsonObject = { room_version: newVersionId, predecessor: { room_id: oldRoomId, ...(lastEventId ? { event_id: lastEventId } : {}) } };
    const oldCreate = create?.event.content ?? {};
    for (const key of ['type', 'm.federate']) if (oldCreate[key] !== undefined) creationContent[key] = oldCreate[key]!;
    if (!newVersion.implicitRoomCreator) creationContent.creator = userId;
    await this.events.send({ roomId: newRoomId, sender: userId, type: 'm.room.create', stateKey: '', content: creationContent, roomVersion: newVersionId });
    const profile = this.stores.profiles.getProfile(userId);
    await send(newRoomId, 'm.room.member', userId, {
      membership: 'join',
      ...(profile?.displayName ? { displayname: profile.displayName } : {}),
      ...(profile?.avatarUrl ? { avatar_url: profile.avatarUrl } : {}),
    });

    // The upgrader keeps enough power in the new room to copy the state, then the old levels are restored.
    // Without a power levels event the creator held all power; keep that explicit when levels are written.
    const oldPowerContent: JsonObject = power?.event.content ?? { users: { [userId]: oldLevels.userLevel(userId) } };
    const users = { ...((oldPowerContent.users as JsonObject | undefined) ?? {}) };
    const needed = Math.max(100, oldLevels.userLevel(userId));
    await send(newRoomId, 'm.room.power_levels', '', { ...oldPowerContent, users: { ...users, [userId]: needed } });

    const stateIds = await this.state.currentStateIds(oldRoomId);
    const oldState = await this.state.eventsOf(stateIds, (type) => COPIED_STATE.includes(type) || type === 'm.room.member');
    for (const entry of oldState) {
      const { type, stateKey, content } = entry.event;
      if (type === 'm.room.member') continue;
      if (Object.keys(content).length === 0) continue;
      await send(newRoomId, type, stateKey!, content);
    }
    for (const entry of oldState) {
      if (entry.event.type === 'm.room.member' && entry.event.membership === 'ban') {
        await send(newRoomId, 'm.room.member', entry.event.stateKey!, { membership: 'ban', ...(typeof entry.event.content.reason === 'string' ? { reason: entry.event.content.reason } : {}) });
      }
    }
    if (power && JSON.stringify(users[userId]) !== JSON.stringify(needed)) await send(newRoomId, 'm.room.power_levels', '', oldPowerContent);

    await this.moveAliases(oldRoomId, newRoomId, send);
    const room = this.stores.rooms.getRoom(oldRoomId);
    if (room?.isPublic) {
      this.stores.rooms.setPublic(newRoomId, true);
      this.stores.rooms.setPublic(oldRoomId, false);
    }

    await send(oldRoomId, 'm.room.tombstone', '', { body: 'This room has been replaced', replacement_room: newRoomId });
    await this.restrictOldRoom(oldRoomId, oldPowerContent, oldLevels, send);
    return { replacement_room: newRoomId };
  }

  /** Local aliases now resolve to the new room, and the canonical alias moves with them. */
  private async moveAliases(oldRoomId: string, newRoomId: string, send: (roomId: string, type: string, stateKey: string, content: JsonObject) => Promise<unknown>): Promise<void> {
    for (const alias of this.stores.aliases.aliasesForRoom(oldRoomId)) {
      const record = this.stores.aliases.getAlias(alias);
      this.stores.aliases.deleteAlias(alias);
      this.stores.aliases.createAlias(alias, newRoomId, record?.creator ?? '', Date.now());
    }
    const canonical = await this.state.currentStateEvent(oldRoomId, 'm.room.canonical_alias', '');
    if (canonical && Object.keys(canonical.event.content).length > 0) {
      await send(newRoomId, 'm.room.canonical_alias', '', canonical.event.content);
      await send(oldRoomId, 'm.room.canonical_alias', '', {});
    }
  }

  /** Ordinary members may no longer talk or invite in the old room. */
  private async restrictOldRoom(
    roomId: string,
    content: JsonObject,
    levels: PowerLevels,
    send: (roomId: string, type: string, stateKey: string, content: JsonObject) => Promise<unknown>,
  ): Promise<void> {
    const restricted = Math.max(50, levels.usersDefault + 1);
    if (levels.eventsDefault >= restricted && levels.invite >= restricted) return;
    await send(roomId, 'm.room.power_levels', '', { ...content, events_default: Math.max(levels.eventsDefault, restricted), invite: Math.max(levels.invite, restricted) });
  }
}

function randomLocalpart(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from(randomBytes(18), (b) => letters[b % letters.length]).join('');
}
