/**
 * Who may see a room's summary (the space hierarchy and the room summary), as Synapse decides it: its members
 * and invitees; anyone, even without an account, when the room is world-readable or can be joined or knocked on
 * without an invite (`public`, `knock`, `knock_restricted`); with a `restricted` join rule, users joined to one
 * of the allowed rooms. Users banned from the room see nothing of it.
 */
import { getRoomVersion } from '../../events/roomVersions.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { allowedRoomIds } from './restrictedJoinAuthoriser.ts';
import { RoomStateReader } from './roomStateReader.ts';

const OPEN_JOIN_RULES = ['public', 'knock', 'knock_restricted'];

export class RoomPreviewPolicy {
  private readonly state: RoomStateReader;

  constructor(private readonly stores: DataStores) {
    this.state = new RoomStateReader(stores);
  }

  /** `userId` is null for an unauthenticated request. False for rooms this server does not hold. */
  async mayPreview(userId: string | null, roomId: string): Promise<boolean> {
    const versionId = await this.stores.events.getRoomVersionId(roomId);
    if (versionId === null) return false;
    const membership = userId === null ? undefined : (await this.state.membership(roomId, userId))?.membership;
    if (membership === 'join' || membership === 'invite') return true;
    if (membership === 'ban') return false;
    const visibility = (await this.state.currentStateEvent(roomId, 'm.room.history_visibility', ''))?.event.content.history_visibility;
    if (visibility === 'world_readable') return true;
    const joinRules = (await this.state.currentStateEvent(roomId, 'm.room.join_rules', ''))?.event.content;
    const rule = joinRules?.join_rule;
    if (typeof rule === 'string' && OPEN_JOIN_RULES.includes(rule)) return true;
    if (userId === null || rule !== 'restricted' || !getRoomVersion(versionId).restrictedJoinRule) return false;
    for (const allowed of allowedRoomIds(joinRules?.allow)) {
      if ((await this.state.membership(allowed, userId))?.membership === 'join') return true;
    }
    return false;
  }
}
