/** The `rooms` table: each room we know, its version and creator, and whether it is in the public directory. */
import type { Database } from '../../engine/database.ts';

export interface RoomRecord {
  readonly roomId: string;
  readonly roomVersion: string;
  readonly creator: string | null;
  readonly isPublic: boolean;
}

export class RoomsStore {
  constructor(private readonly db: Database) {}

  getRoom(roomId: string): RoomRecord | null {
    const row = this.db.prepare('SELECT room_id, room_version, creator, is_public FROM rooms WHERE room_id = ?').get(roomId) as
      | { room_id: string; room_version: string; creator: string | null; is_public: number }
      | undefined;
    return row ? { roomId: row.room_id, roomVersion: row.room_version, creator: row.creator, isPublic: row.is_public === 1 } : null;
  }

  setPublic(roomId: string, isPublic: boolean): boolean {
    return this.db.prepare('UPDATE rooms SET is_public = ? WHERE room_id = ?').run(isPublic ? 1 : 0, roomId).changes > 0;
  }

  /** Rooms in the public directory that the server is in, in a stable order. */
  publicRoomIds(): string[] {
    return this.db
      .prepare('SELECT r.room_id FROM rooms r WHERE r.is_public = 1 AND EXISTS (SELECT 1 FROM current_state_events c WHERE c.room_id = r.room_id) ORDER BY r.room_id')
      .pluck()
      .all() as string[];
  }

  countRooms(): number {
    return this.db.prepare('SELECT COUNT(*) FROM rooms').pluck().get() as number;
  }
}
