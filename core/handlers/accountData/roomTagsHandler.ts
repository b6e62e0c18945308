/**
 * Room tags ("Room Tagging" module): `m.tag` room account data holding `{tags: {<tag>: {order?}}}`, read and
 * changed one tag at a time through the tags endpoints, delivered by /sync like any room account data.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { isValidRoomId } from '../../events/identifiers.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { AccountDataHandler } from './accountDataHandler.ts';

export const ROOM_TAGS = 'm.tag';
const MAX_TAG_BYTES = 255;

export class RoomTagsHandler {
  constructor(private readonly accountData: AccountDataHandler) {}

  getTags(requester: Requester, userId: string, roomId: string): JsonObject {
    this.checkAccess(requester, userId, roomId);
    return { tags: this.currentTags(userId, roomId) };
  }

  setTag(requester: Requester, userId: string, roomId: string, tag: string, body: JsonObject): void {
    this.checkAccess(requester, userId, roomId);
    if (tag === '' || Buffer.byteLength(tag) > MAX_TAG_BYTES) throw MatrixError.invalidParam('Invalid tag');
    if (body.order !== undefined && (typeof body.order !== 'number' || !Number.isFinite(body.order))) throw MatrixError.badJson('order must be a number');
    const tags = { ...this.currentTags(userId, roomId), [tag]: body };
    this.accountData.setServerManaged(userId, roomId, ROOM_TAGS, { tags });
  }

  deleteTag(requester: Requester, userId: string, roomId: string, tag: string): void {
    this.checkAccess(requester, userId, roomId);
    const tags = { ...this.currentTags(userId, roomId) };
    if (!(tag in tags)) return;
    delete tags[tag];
    this.accountData.setServerManaged(userId, roomId, ROOM_TAGS, { tags });
  }

  private currentTags(userId: string, roomId: string): JsonObject {
    const tags = this.accountData.get(userId, roomId, ROOM_TAGS)?.tags;
    return typeof tags === 'object' && tags !== null && !Array.isArray(tags) ? tags : {};
  }

  private checkAccess(requester: Requester, userId: string, roomId: string): void {
    if (userId !== requester.userId) throw MatrixError.forbidden('Cannot access the tags of other users');
    if (!isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a valid room ID`);
  }
}
