/**
 * Account data (client config), global and per room, in the `account_data` table: one row per (user, room,
 * type) holding the latest content and the `account_data` stream position of its latest change. Global rows
 * have room_id ''. Reads are point lookups on the unique key or range scans on (user_id, stream_id), so they
 * are not cached.
 */
import type { Database } from '../../engine/database.ts';
import type { StreamIdGenerator } from '../../engine/streamIdGenerator.ts';
import type { JsonObject } from '../../../crypto/canonicalJson.ts';

export interface AccountDataEntry {
  readonly userId: string;
  /** Null for global account data. */
  readonly roomId: string | null;
  readonly type: string;
  readonly content: JsonObject;
  readonly streamId: number;
}

interface AccountDataRow {
  user_id: string;
  room_id: string;
  account_data_type: string;
  content: string;
  stream_id: number;
}

function toEntry(row: AccountDataRow): AccountDataEntry {
  return {
    userId: row.user_id,
    roomId: row.room_id === '' ? null : row.room_id,
    type: row.account_data_type,
    content: JSON.parse(row.content) as JsonObject,
    streamId: row.stream_id,
  };
}

export class AccountDataStore {
  constructor(
    private readonly db: Database,
    private readonly generator: StreamIdGenerator,
  ) {}

  /** Sets (replaces) one entry; returns its new stream position. */
  set(userId: string, roomId: string | null, type: string, content: JsonObject): number {
    return this.generator.withIds(1, ([streamId]) => {
      this.db
        .prepare(
          `INSERT INTO account_data (stream_id, user_id, room_id, account_data_type, content) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (user_id, room_id, account_data_type) DO UPDATE SET stream_id = excluded.stream_id, content = excluded.content`,
        )
        .run(streamId, userId, roomId ?? '', type, JSON.stringify(content));
      return streamId!;
    });
  }

  get(userId: string, roomId: string | null, type: string): JsonObject | null {
    const content = this.db
      .prepare('SELECT content FROM account_data WHERE user_id = ? AND room_id = ? AND account_data_type = ?')
      .pluck()
      .get(userId, roomId ?? '', type) as string | undefined;
    return content === undefined ? null : (JSON.parse(content) as JsonObject);
  }

  /** Every entry of the user (global and per room) at or below `upTo`. */
  allForUser(userId: string, upTo: number): AccountDataEntry[] {
    const rows = this.db
      .prepare('SELECT user_id, room_id, account_data_type, content, stream_id FROM account_data WHERE user_id = ? AND stream_id <= ? ORDER BY stream_id')
      .all(userId, upTo) as AccountDataRow[];
    return rows.map(toEntry);
  }

  /** The user's entries that changed in (from, to]. */
  changedForUser(userId: string, from: number, to: number): AccountDataEntry[] {
    if (to <= from) return [];
    const rows = this.db
      .prepare(
        `SELECT user_id, room_id, account_data_type, content, stream_id FROM account_data
         WHERE user_id = ? AND stream_id > ? AND stream_id <= ? ORDER BY stream_id`,
      )
      .all(userId, from, to) as AccountDataRow[];
    return rows.map(toEntry);
  }
}
