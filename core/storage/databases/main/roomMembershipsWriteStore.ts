/** Membership writes outside event persistence: forgetting a room a user has left. */
import type { Database } from '../../engine/database.ts';

export class RoomMembershipsWriteStore {
  constructor(private readonly db: Database) {}

  /** Marks every membership of the user in the room as forgotten; such rooms disappear from archived lists. */
  forgetRoom(userId: string, roomId: string): void {
    this.db.prepare('UPDATE room_memberships SET forgotten = 1 WHERE user_id = ? AND room_id = ?').run(userId, roomId);
  }
}
