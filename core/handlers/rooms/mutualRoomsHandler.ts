/**
 * `GET /mutual_rooms?user_id=`: the rooms both the requester and another user are joined to (current state).
 * Like Synapse, the answer is never batched, so no `next_batch` is issued and any `from` token is invalid.
 */
import { isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export interface MutualRoomsResponse {
  readonly joined: string[];
  readonly count: number;
}

export class MutualRoomsHandler {
  constructor(private readonly stores: DataStores) {}

  async mutualRooms(requester: Requester, userId: string | null, from: string | null): Promise<MutualRoomsResponse> {
    if (userId === null || userId === '') throw MatrixError.missingParam('Missing user_id');
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    if (userId === requester.userId) throw MatrixError.invalidParam('You cannot ask for the rooms you share with yourself');
    if (from !== null) throw MatrixError.invalidParam('Unknown from token: this server answers in one batch');
    const theirs = new Set(await this.stores.members.getRoomsForUser(userId));
    const joined = (await this.stores.members.getRoomsForUser(requester.userId)).filter((roomId) => theirs.has(roomId));
    return { joined, count: joined.length };
  }
}
