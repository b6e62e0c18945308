/**
 * Account data (client config, "Client Config" module): global and per room, private to its user, delivered by
 * /sync. Types the server manages (`m.fully_read`, `m.push_rules`) are refused from clients with 405 M_BAD_JSON;
 * the server writes them through `setServerManaged` (read markers, push rules). Every change advances the
 * `account_data` stream and wakes the user's /sync.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { isValidRoomId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { Notifier } from '../../replication/notifier.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export const ACCOUNT_DATA_STREAM = 'account_data';

/** Account data types clients may read but not set (client-server API, "Client Config", server behaviour). */
export const SERVER_MANAGED_ACCOUNT_DATA: ReadonlySet<string> = new Set(['m.fully_read', 'm.push_rules']);

/** The global account data type listing the users whose events a user ignores ("Ignoring Users" module). */
export const IGNORED_USER_LIST = 'm.ignored_user_list';

/** Type names are at most this many bytes (as for event types). */
const MAX_TYPE_BYTES = 255;

/** Reads a server-managed global type that is not stored as account data (`m.push_rules` from the push rules). */
export type ManagedAccountDataReader = (userId: string) => Promise<JsonObject>;

export class AccountDataHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly notifier: Notifier,
    private readonly managedReaders: Readonly<Record<string, ManagedAccountDataReader>> = {},
  ) {}

  /** `PUT /user/{userId}[/rooms/{roomId}]/account_data/{type}`. */
  setFromClient(requester: Requester, userId: string, roomId: string | null, type: string, content: JsonObject): void {
    this.checkAccess(requester, userId, roomId, type);
    if (SERVER_MANAGED_ACCOUNT_DATA.has(type)) {
      throw new MatrixError(405, 'M_BAD_JSON', `Cannot set ${type} through this API`);
    }
    this.setServerManaged(userId, roomId, type, content);
  }

  /** `GET /user/{userId}[/rooms/{roomId}]/account_data/{type}`: 404 M_NOT_FOUND when unset. */
  async getForClient(requester: Requester, userId: string, roomId: string | null, type: string): Promise<JsonObject> {
    this.checkAccess(requester, userId, roomId, type);
    const managed = roomId === null ? this.managedReaders[type] : undefined;
    if (managed) return managed(userId);
    const content = this.stores.accountData.get(userId, roomId, type);
    if (content === null) throw MatrixError.notFound('Account data not found');
    return content;
  }

  /** Writes any type, server-managed ones included; returns the new `account_data` stream position. */
  setServerManaged(userId: string, roomId: string | null, type: string, content: JsonObject): number {
    const position = this.stores.accountData.set(userId, roomId, type, content);
    this.notifier.notifyUsers(ACCOUNT_DATA_STREAM, position, [userId]);
    return position;
  }

  get(userId: string, roomId: string | null, type: string): JsonObject | null {
    return this.stores.accountData.get(userId, roomId, type);
  }

  /** The users `userId` ignores (keys of `m.ignored_user_list`'s `ignored_users`). */
  getIgnoredUsers(userId: string): ReadonlySet<string> {
    const ignored = this.stores.accountData.get(userId, null, IGNORED_USER_LIST)?.ignored_users;
    if (typeof ignored !== 'object' || ignored === null || Array.isArray(ignored)) return new Set();
    return new Set(Object.keys(ignored));
  }

  private checkAccess(requester: Requester, userId: string, roomId: string | null, type: string): void {
    if (userId !== requester.userId) throw MatrixError.forbidden('Cannot access account data of other users');
    if (roomId !== null && !isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a valid room ID`);
    if (type === '' || Buffer.byteLength(type) > MAX_TYPE_BYTES) throw MatrixError.invalidParam('Invalid account data type');
  }
}
