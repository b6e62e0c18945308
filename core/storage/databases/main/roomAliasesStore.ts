/** Local room aliases (`#name:ourserver` -> room ID). */
import type { Database } from '../../engine/database.ts';

export interface RoomAliasRecord {
  readonly alias: string;
  readonly roomId: string;
  readonly creator: string;
}

export class RoomAliasesStore {
  constructor(private readonly db: Database) {}

  getAlias(alias: string): RoomAliasRecord | null {
    const row = this.db.prepare('SELECT room_alias, room_id, creator FROM room_aliases WHERE room_alias = ?').get(alias) as
      | { room_alias: string; room_id: string; creator: string }
      | undefined;
    return row ? { alias: row.room_alias, roomId: row.room_id, creator: row.creator } : null;
  }

  /** Returns false when the alias is taken. */
  createAlias(alias: string, roomId: string, creator: string, now: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO room_aliases (room_alias, room_id, creator, created_ts) VALUES (?, ?, ?, ?)').run(alias, roomId, creator, now).changes > 0;
  }

  deleteAlias(alias: string): boolean {
    return this.db.prepare('DELETE FROM room_aliases WHERE room_alias = ?').run(alias).changes > 0;
  }

  aliasesForRoom(roomId: string): string[] {
    return this.db.prepare('SELECT room_alias FROM room_aliases WHERE room_id = ? ORDER BY room_alias').pluck().all(roomId) as string[];
  }
}
