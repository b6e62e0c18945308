/**
 * Server-side key backups (end-to-end encryption module, "Server-side key backups"): backup versions
 * (`/room_keys/version[/{version}]`) and the encrypted room keys in them (`/room_keys/keys[/{roomId}[/{sessionId}]]`).
 * Keys can be written only to the current version (the newest undeleted one): any other is 403
 * M_WRONG_ROOM_KEYS_VERSION naming the current one. A session's key is replaced only by a better one
 * (roomKeyPreference.ts). Every write that changes keys moves the version's `etag` on.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { BackupVersion, StoredRoomKey } from '../../storage/databases/main/keyBackupStore.ts';
import { MatrixError } from '../matrixError.ts';
import { shouldReplaceRoomKey } from './roomKeyPreference.ts';

export interface BackupVersionInfo {
  algorithm: string;
  auth_data: JsonObject;
  count: number;
  etag: string;
  version: string;
}

export interface RoomKeysUpdate {
  etag: string;
  count: number;
}

export interface KeyBackupData {
  first_message_index: number;
  forwarded_count: number;
  is_verified: boolean;
  session_data: JsonObject;
}

export type RoomKeyBackup = { sessions: Record<string, KeyBackupData> };

/** Where in the backup a request reads or writes: all keys, one room's, or one session's. */
export interface RoomKeysScope {
  readonly roomId: string | null;
  readonly sessionId: string | null;
}

const MAX_ID_BYTES = 255;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Backup versions are decimal numbers we hand out; anything else names no backup. */
function parseVersion(text: string): number | null {
  return /^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : null;
}

function checkRoomId(roomId: string): void {
  if (!roomId.startsWith('!') || Buffer.byteLength(roomId) > MAX_ID_BYTES) throw MatrixError.invalidParam(`${roomId} is not a valid room ID`);
}

function checkSessionId(sessionId: string): void {
  if (sessionId === '' || Buffer.byteLength(sessionId) > MAX_ID_BYTES) throw MatrixError.invalidParam('Invalid session ID');
}

export class KeyBackupHandler {
  constructor(private readonly stores: DataStores) {}

  /** `POST /room_keys/version`. */
  createVersion(userId: string, body: JsonObject): { version: string } {
    const { algorithm, authData } = parseVersionBody(body);
    return { version: String(this.stores.keyBackups.createVersion(userId, algorithm, authData)) };
  }

  /** `GET /room_keys/version[/{version}]`: the current version when `version` is null. */
  getVersion(userId: string, version: string | null): BackupVersionInfo {
    const found = version === null ? this.stores.keyBackups.currentVersion(userId) : this.existing(userId, version);
    if (found === null) throw MatrixError.notFound('No current backup version');
    return {
      algorithm: found.algorithm,
      auth_data: found.authData,
      count: this.stores.keyBackups.countKeys(userId, found.version),
      etag: String(found.etag),
      version: String(found.version),
    };
  }

  /** `PUT /room_keys/version/{version}`: only `auth_data` changes; the algorithm must stay. */
  updateVersion(userId: string, version: string, body: JsonObject): void {
    const { algorithm, authData } = parseVersionBody(body);
    if (body.version !== undefined && body.version !== version) throw MatrixError.invalidParam('version in the body does not match the version in the path');
    const found = this.existing(userId, version);
    if (found === null) throw MatrixError.notFound('Unknown backup version');
    if (algorithm !== found.algorithm) throw MatrixError.invalidParam('algorithm does not match the backup algorithm');
    this.stores.keyBackups.updateAuthData(userId, found.version, authData);
  }

  /** `DELETE /room_keys/version/{version}`: deleting a deleted version again succeeds; an unknown one is 404. */
  deleteVersion(userId: string, version: string): void {
    const number = parseVersion(version);
    const found = number === null ? null : this.stores.keyBackups.getVersion(userId, number);
    if (found === null) throw MatrixError.notFound('Unknown backup version');
    if (!found.deleted) this.stores.keyBackups.deleteVersion(userId, found.version);
  }

  /** `PUT /room_keys/keys[/{roomId}[/{sessionId}]]?version=`. */
  putKeys(userId: string, version: string | null, scope: RoomKeysScope, body: JsonObject): RoomKeysUpdate {
    const keys = parseKeysBody(scope, body);
    const db = this.stores.db;
    return db
      .transaction(() => {
        const current = this.currentForWrite(userId, version);
        let changed = false;
        for (const key of keys) {
          const existing = this.stores.keyBackups.getKey(userId, current.version, key.roomId, key.sessionId);
          if (existing !== null && !shouldReplaceRoomKey(existing, key)) continue;
          this.stores.keyBackups.putKey(userId, current.version, key);
          changed = true;
        }
        const etag = changed ? this.stores.keyBackups.bumpEtag(userId, current.version) : current.etag;
        return { etag: String(etag), count: this.stores.keyBackups.countKeys(userId, current.version) };
      })
      .immediate();
  }

  /** `GET /room_keys/keys[/{roomId}[/{sessionId}]]?version=`. */
  getKeys(userId: string, version: string | null, scope: RoomKeysScope): { rooms: Record<string, RoomKeyBackup> } | RoomKeyBackup | KeyBackupData {
    const found = this.readable(userId, version);
    if (scope.roomId !== null) checkRoomId(scope.roomId);
    if (scope.roomId !== null && scope.sessionId !== null) {
      const key = this.stores.keyBackups.getKey(userId, found.version, scope.roomId, scope.sessionId);
      if (key === null) throw MatrixError.notFound('No room key found for this session');
      return toKeyBackupData(key);
    }
    const keys = this.stores.keyBackups.getKeys(userId, found.version, scope.roomId);
    if (scope.roomId !== null) return { sessions: Object.fromEntries(keys.map((k) => [k.sessionId, toKeyBackupData(k)])) };
    const rooms: Record<string, RoomKeyBackup> = {};
    for (const key of keys) (rooms[key.roomId] ??= { sessions: {} }).sessions[key.sessionId] = toKeyBackupData(key);
    return { rooms };
  }

  /** `DELETE /room_keys/keys[/{roomId}[/{sessionId}]]?version=`. */
  deleteKeys(userId: string, version: string | null, scope: RoomKeysScope): RoomKeysUpdate {
    if (scope.roomId !== null) checkRoomId(scope.roomId);
    return this.stores.db
      .transaction(() => {
        const found = this.readable(userId, version);
        const deleted = this.stores.keyBackups.deleteKeys(userId, found.version, scope.roomId, scope.sessionId);
        const etag = deleted > 0 ? this.stores.keyBackups.bumpEtag(userId, found.version) : found.etag;
        return { etag: String(etag), count: this.stores.keyBackups.countKeys(userId, found.version) };
      })
      .immediate();
  }

  /** An undeleted version, or null. */
  private existing(userId: string, version: string): BackupVersion | null {
    const number = parseVersion(version);
    const found = number === null ? null : this.stores.keyBackups.getVersion(userId, number);
    return found === null || found.deleted ? null : found;
  }

  /** The version a read or delete names: it must exist (404 otherwise); it need not be the current one. */
  private readable(userId: string, version: string | null): BackupVersion {
    if (version === null) throw MatrixError.missingParam('Missing required parameter: version');
    const found = this.existing(userId, version);
    if (found === null) throw MatrixError.notFound('Unknown backup version');
    return found;
  }

  /** Writes go only to the current version. */
  private currentForWrite(userId: string, version: string | null): BackupVersion {
    if (version === null) throw MatrixError.missingParam('Missing required parameter: version');
    const current = this.stores.keyBackups.currentVersion(userId);
    if (current === null) throw MatrixError.notFound('No current backup version');
    if (String(current.version) !== version) {
      throw new MatrixError(403, 'M_WRONG_ROOM_KEYS_VERSION', `Wrong backup version: the current one is ${current.version}`, { current_version: String(current.version) });
    }
    return current;
  }
}

function parseVersionBody(body: JsonObject): { algorithm: string; authData: JsonObject } {
  const algorithm = body.algorithm;
  if (algorithm === undefined || algorithm === null) throw MatrixError.missingParam('Missing required parameter: algorithm');
  if (typeof algorithm !== 'string' || algorithm === '') throw MatrixError.badJson('algorithm must be a string');
  const authData = body.auth_data;
  if (authData === undefined || authData === null) throw MatrixError.missingParam('Missing required parameter: auth_data');
  if (!isObject(authData)) throw MatrixError.badJson('auth_data must be an object');
  return { algorithm, authData };
}

/** The keys a PUT carries, whatever its scope. */
function parseKeysBody(scope: RoomKeysScope, body: JsonObject): StoredRoomKey[] {
  if (scope.roomId !== null) checkRoomId(scope.roomId);
  if (scope.roomId !== null && scope.sessionId !== null) {
    checkSessionId(scope.sessionId);
    return [parseKeyData(body, scope.roomId, scope.sessionId, 'body')];
  }
  if (scope.roomId !== null) return parseSessions(body, scope.roomId, 'body');
  const rooms = body.rooms;
  if (rooms === undefined || rooms === null) throw MatrixError.missingParam('Missing required parameter: rooms');
  if (!isObject(rooms)) throw MatrixError.badJson('rooms must be an object');
  const keys: StoredRoomKey[] = [];
  for (const [roomId, room] of Object.entries(rooms)) {
    checkRoomId(roomId);
    if (!isObject(room)) throw MatrixError.badJson(`rooms.${roomId} must be an object`);
    keys.push(...parseSessions(room, roomId, `rooms.${roomId}`));
  }
  return keys;
}

function parseSessions(room: JsonObject, roomId: string, path: string): StoredRoomKey[] {
  const sessions = room.sessions;
  if (sessions === undefined || sessions === null) throw MatrixError.missingParam(`Missing required parameter: ${path}.sessions`);
  if (!isObject(sessions)) throw MatrixError.badJson(`${path}.sessions must be an object`);
  return Object.entries(sessions).map(([sessionId, data]) => {
    checkSessionId(sessionId);
    if (!isObject(data)) throw MatrixError.badJson(`${path}.sessions.${sessionId} must be an object`);
    return parseKeyData(data, roomId, sessionId, `${path}.sessions.${sessionId}`);
  });
}

function parseKeyData(data: JsonObject, roomId: string, sessionId: string, path: string): StoredRoomKey {
  const count = (name: string): number => {
    const value = data[name];
    if (value === undefined || value === null) throw MatrixError.missingParam(`Missing required parameter: ${path}.${name}`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw MatrixError.badJson(`${path}.${name} must be a non-negative integer`);
    return value;
  };
  const firstMessageIndex = count('first_message_index');
  const forwardedCount = count('forwarded_count');
  const isVerified = data.is_verified;
  if (isVerified === undefined || isVerified === null) throw MatrixError.missingParam(`Missing required parameter: ${path}.is_verified`);
  if (typeof isVerified !== 'boolean') throw MatrixError.badJson(`${path}.is_verified must be a boolean`);
  const sessionData = data.session_data;
  if (sessionData === undefined || sessionData === null) throw MatrixError.missingParam(`Missing required parameter: ${path}.session_data`);
  if (!isObject(sessionData)) throw MatrixError.badJson(`${path}.session_data must be an object`);
  return { roomId, sessionId, firstMessageIndex, forwardedCount, isVerified, sessionData };
}

function toKeyBackupData(key: StoredRoomKey): KeyBackupData {
  return { first_message_index: key.firstMessageIndex, forwarded_count: key.forwardedCount, is_verified: key.isVerified, session_data: key.sessionData };
}
