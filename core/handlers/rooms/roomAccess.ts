/**
 * What part of a room a user may read: everything while joined; up to their leave (kick, ban) after they left;
 * only world-readable history when they never had a membership. Endpoints that read room history or state ask
 * here first.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { MatrixError } from '../matrixError.ts';
import { readVisibility } from '../events/visibilityFilter.ts';
import { RoomStateReader, type MembershipInfo } from './roomStateReader.ts';

export type RoomAccess =
  | { readonly kind: 'member'; readonly membership: MembershipInfo }
  /** Left, kicked or banned: may read up to and including this membership event. */
  | { readonly kind: 'former'; readonly membership: MembershipInfo }
  /** No membership, but the room is world-readable. */
  | { readonly kind: 'peeking' };

export class RoomAccessChecker {
  private readonly state: RoomStateReader;

  constructor(stores: DataStores) {
    this.state = new RoomStateReader(stores);
  }

  /** 403 M_FORBIDDEN when the user may read nothing of the room. */
  async check(userId: string, roomId: string): Promise<RoomAccess> {
    const membership = await this.state.membership(roomId, userId);
    if (membership?.membership === 'join') return { kind: 'member', membership };
    if (membership && (membership.membership === 'leave' || membership.membership === 'ban')) {
      // A leave that never followed a join (a rejected invite) grants nothing beyond what invites see.
      return { kind: 'former', membership };
    }
    const visibility = await this.state.currentStateEvent(roomId, 'm.room.history_visibility', '');
    if (readVisibility(visibility?.event.content.history_visibility) === 'world_readable') return { kind: 'peeking' };
    throw MatrixError.forbidden(`User ${userId} is not in room ${roomId}`);
  }
}
