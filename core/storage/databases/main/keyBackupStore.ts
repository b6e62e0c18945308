/**
 * Server-side key backups: per user, numbered backup versions (the highest undeleted one is current) and the
 * encrypted room keys stored in each. A version's `etag` changes whenever its keys change; deleted versions
 * are kept as tombstones so that deleting one twice still succeeds.
 */
import type { Database } from '../../engine/database.ts';
import type { JsonObject } from '../../../crypto/canonicalJson.ts';

export interface BackupVersion {
  readonly version: number;
  readonly algorithm: string;
  readonly authData: JsonObject;
  readonly etag: number;
  readonly deleted: boolean;
}

export interface BackedUpRoomKey {
  readonly firstMessageIndex: number;
  readonly forwardedCount: number;
  readonly isVerified: boolean;
  readonly sessionData: JsonObject;
}

export interface StoredRoomKey extends BackedUpRoomKey {
  readonly roomId: string;
  readonly sessionId: string;
}

interface VersionRow {
  version: number;
  algorithm: string;
  auth_data: string;
  etag: number;
  deleted: number;
}

interface KeyRow {
  room_id: string;
  session_id: string;
  first_message_index: number;
  forwarded_count: number;
  is_verified: number;
  session_data: string;
}

function toVersion(row: VersionRow): BackupVersion {
  return { version: row.version, algorithm: row.algorithm, authData: JSON.parse(row.auth_data) as JsonObject, etag: row.etag, deleted: row.deleted === 1 };
}

function toKey(row: KeyRow): StoredRoomKey {
  return {
    roomId: row.room_id,
    sessionId: row.session_id,
    firstMessageIndex: row.first_message_index,
    forwardedCount: row.forwarded_count,
    isVerified: row.is_verified === 1,
    sessionData: JSON.parse(row.session_data) as JsonObject,
  };
}

export class KeyBackupStore {
  constructor(private readonly db: Database) {}

  /** Creates the next version (one above any version the user ever had) and returns its number. */
  createVersion(userId: string, algorithm: string, authData: JsonObject): number {
    return this.db
      .transaction(() => {
        const max = this.db.prepare('SELECT MAX(version) FROM e2e_room_keys_versions WHERE user_id = ?').pluck().get(userId) as number | null;
        const version = (max ?? 0) + 1;
        this.db
          .prepare('INSERT INTO e2e_room_keys_versions (user_id, version, algorithm, auth_data, etag, deleted) VALUES (?, ?, ?, ?, 0, 0)')
          .run(userId, version, algorithm, JSON.stringify(authData));
        return version;
      })
      .immediate();
  }

  /** The current (highest undeleted) version, or null. */
  currentVersion(userId: string): BackupVersion | null {
    const row = this.db
      .prepare('SELECT version, algorithm, auth_data, etag, deleted FROM e2e_room_keys_versions WHERE user_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1')
      .get(userId) as VersionRow | undefined;
    return row ? toVersion(row) : null;
  }

  /** A version, deleted or not, or null when it never existed. */
  getVersion(userId: string, version: number): BackupVersion | null {
    const row = this.db
      .prepare('SELECT version, algorithm, auth_data, etag, deleted FROM e2e_room_keys_versions WHERE user_id = ? AND version = ?')
      .get(userId, version) as VersionRow | undefined;
    return row ? toVersion(row) : null;
  }

  updateAuthData(userId: string, version: number, authData: JsonObject): void {
    this.db.prepare('UPDATE e2e_room_keys_versions SET auth_data = ? WHERE user_id = ? AND version = ?').run(JSON.stringify(authData), userId, version);
  }

  /** Marks the version deleted and drops its keys. */
  deleteVersion(userId: string, version: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE e2e_room_keys_versions SET deleted = 1 WHERE user_id = ? AND version = ?').run(userId, version);
      this.db.prepare('DELETE FROM e2e_room_keys WHERE user_id = ? AND version = ?').run(userId, version);
    })();
  }

  countKeys(userId: string, version: number): number {
    return this.db.prepare('SELECT COUNT(*) FROM e2e_room_keys WHERE user_id = ? AND version = ?').pluck().get(userId, version) as number;
  }

  getKey(userId: string, version: number, roomId: string, sessionId: string): StoredRoomKey | null {
    const row = this.db
      .prepare(
        'SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM e2e_room_keys WHERE user_id = ? AND version = ? AND room_id = ? AND session_id = ?',
      )
      .get(userId, version, roomId, sessionId) as KeyRow | undefined;
    return row ? toKey(row) : null;
  }

  /** Keys of the version, of one room when `roomId` is given. */
  getKeys(userId: string, version: number, roomId: string | null): StoredRoomKey[] {
    const rows = (
      roomId === null
        ? this.db
            .prepare(
              'SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM e2e_room_keys WHERE user_id = ? AND version = ? ORDER BY room_id, session_id',
            )
            .all(userId, version)
        : this.db
            .prepare(
              'SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM e2e_room_keys WHERE user_id = ? AND version = ? AND room_id = ? ORDER BY session_id',
            )
            .all(userId, version, roomId)
    ) as KeyRow[];
    return rows.map(toKey);
  }

  putKey(userId: string, version: number, key: StoredRoomKey): void {
    this.db
      .prepare(
        `INSERT INTO e2e_room_keys (user_id, version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id, version, room_id, session_id) DO UPDATE SET first_message_index = excluded.first_message_index,
           forwarded_count = excluded.forwarded_count, is_verified = excluded.is_verified, session_data = excluded.session_data`,
      )
      .run(userId, version, key.roomId, key.sessionId, key.firstMessageIndex, key.forwardedCount, key.isVerified ? 1 : 0, JSON.stringify(key.sessionData));
  }

  /** Deletes keys of the version: all, one room's, or one session's. Returns how many. */
  deleteKeys(userId: string, version: number, roomId: string | null, sessionId: string | null): number {
    if (roomId === null) return this.db.prepare('DELETE FROM e2e_room_keys WHERE user_id = ? AND version = ?').run(userId, version).changes;
    if (sessionId === null) return this.db.prepare('DELETE FROM e2e_room_keys WHERE user_id = ? AND version = ? AND room_id = ?').run(userId, version, roomId).changes;
    return this.db.prepare('DELETE FROM e2e_room_keys WHERE user_id = ? AND version = ? AND room_id = ? AND session_id = ?').run(userId, version, roomId, sessionId).changes;
  }

  /** Moves the version's etag on (its keys changed); returns the new etag. */
  bumpEtag(userId: string, version: number): number {
    return this.db.prepare('UPDATE e2e_room_keys_versions SET etag = etag + 1 WHERE user_id = ? AND version = ? RETURNING etag').pluck().get(userId, version) as number;
  }
}
