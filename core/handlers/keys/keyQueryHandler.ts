/**
 * `POST /keys/query`: devices' identity keys and cross-signing keys of the users asked for. Local users are
 * answered from storage: each device's keys with the signatures of it the requester may see and its display
 * name under `unsigned`; master and self-signing keys of every user; the user-signing key only of the
 * requester (end-to-end encryption module, "Key and signature security"). Remote users whose device lists
 * federation keeps current are answered from its cache (RemoteKeyCache), the others by their servers through
 * RemoteKeys, whose cross-signing keys are then kept; a server that cannot be asked is listed under `failures`.
 * A remote user's master key carries the requester's own signature of it, as a local user's does.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { domainOf, isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { CrossSigningKeyType } from '../../storage/databases/main/crossSigningKeysStore.ts';
import type { Logger } from '../../logging/logger.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import {
  DEFAULT_REMOTE_TIMEOUT_MS,
  FEDERATION_UNAVAILABLE,
  MAX_REMOTE_TIMEOUT_MS,
  failureOf,
  type RemoteFailure,
  type RemoteKeyCache,
  type RemoteKeys,
} from './remoteKeys.ts';
import { signaturesByTarget, withSignatures } from './signatureMerge.ts';

export interface KeyQueryResponse {
  device_keys: Record<string, Record<string, JsonObject>>;
  master_keys: Record<string, JsonObject>;
  self_signing_keys: Record<string, JsonObject>;
  user_signing_keys: Record<string, JsonObject>;
  failures: Record<string, RemoteFailure>;
}

/** Most users one query may name. */
export const MAX_USERS_PER_QUERY = 5000;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class KeyQueryHandler {
  constructor(
    private readonly stores: DataStores,
    private remote: RemoteKeys | null,
    private readonly log: Logger,
  ) {}

  private cache: RemoteKeyCache | null = null;

  /** Federation provides remote users' keys once it exists (it is composed after the handlers). */
  setRemote(remote: RemoteKeys, cache: RemoteKeyCache | null = null): void {
    this.remote = remote;
    this.cache = cache;
  }

  async query(requester: Requester, body: JsonObject): Promise<KeyQueryResponse> {
    const wanted = parseDeviceKeysRequest(body);
    const timeoutMs = parseTimeout(body);
    const response: KeyQueryResponse = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} };
    const remote = new Map<string, Record<string, readonly string[]>>();
    const local: [string, readonly string[]][] = [];
    for (const [userId, deviceIds] of Object.entries(wanted)) {
      const server = domainOf(userId)!;
      if (server === this.stores.serverName) local.push([userId, deviceIds]);
      else (remote.get(server) ?? remote.set(server, {}).get(server)!)[userId] = deviceIds;
    }
    this.addLocal(requester.userId, local, response);
    await Promise.all([...remote].map(([server, users]) => this.addRemote(server, this.addCached(users, response), timeoutMs, response)));
    this.addRequesterSignatures(requester.userId, [...remote.values()].flatMap((users) => Object.keys(users)), response);
    return response;
  }

  /**
   * Keys of local users as another server may see them (`POST /_matrix/federation/v1/user/keys/query`): devices
   * and master and self-signing keys, never user-signing keys.
   */
  localKeysForServer(body: JsonObject): Omit<KeyQueryResponse, 'user_signing_keys' | 'failures'> {
    const wanted = Object.entries(parseDeviceKeysRequest(body)).filter(([userId]) => domainOf(userId) === this.stores.serverName);
    const response: KeyQueryResponse = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} };
    this.addLocal(null, wanted, response);
    return { device_keys: response.device_keys, master_keys: response.master_keys, self_signing_keys: response.self_signing_keys };
  }

  /**
   * Keys of local users, read in one transaction so the answer is consistent. `requesterId` is null for another
   * server, which sees no user-signing keys and no display names (Synapse's default,
   * `allow_device_name_lookup_over_federation: false`, so device names do not leak to every server in a room).
   */
  private addLocal(requesterId: string | null, users: readonly [string, readonly string[]][], response: KeyQueryResponse): void {
    if (users.length === 0) return;
    this.stores.db.transaction(() => {
      for (const [userId, deviceIds] of users) {
        const devices: Record<string, JsonObject> = {};
        const keys = this.stores.deviceKeys.queryDeviceKeys(userId, deviceIds.length === 0 ? null : deviceIds);
        // Signatures of a user's own devices and master key are made by the user (self-signing key, devices).
        const ownSignatures = signaturesByTarget(this.stores.crossSigningKeys.signaturesOf(userId, null, [userId]));
        for (const device of keys) {
          const signed = withSignatures(device.keys, ownSignatures.get(device.deviceId) ?? []);
          const showName = device.displayName !== null && requesterId !== null;
          devices[device.deviceId] = { ...signed, unsigned: showName ? { device_display_name: device.displayName } : {} };
        }
        response.device_keys[userId] = devices;

        const types: CrossSigningKeyType[] = userId === requesterId ? ['master', 'self_signing', 'user_signing'] : ['master', 'self_signing'];
        for (const key of this.stores.crossSigningKeys.getKeys([userId], types)) {
          if (key.type === 'master') {
            // The requester's own user-signing signatures of this master key are theirs to see; nobody else's are.
            const byRequester = requesterId === null || requesterId === userId ? [] : this.stores.crossSigningKeys.signaturesOf(userId, [key.publicKey], [requesterId]);
            response.master_keys[userId] = withSignatures(key.key, [...(ownSignatures.get(key.publicKey) ?? []), ...byRequester]);
          } else if (key.type === 'self_signing') {
            response.self_signing_keys[userId] = key.key;
          } else {
            response.user_signing_keys[userId] = key.key;
          }
        }
      }
    })();
  }

  /** Answers the users the cache holds current lists of; returns the others. */
  private addCached(users: Record<string, readonly string[]>, response: KeyQueryResponse): Record<string, readonly string[]> {
    if (this.cache === null) return users;
    const rest: Record<string, readonly string[]> = {};
    for (const [userId, deviceIds] of Object.entries(users)) {
      const cached = this.cache.cachedKeys(userId, deviceIds);
      if (cached === null) {
        rest[userId] = deviceIds;
        continue;
      }
      response.device_keys[userId] = cached.deviceKeys;
      if (cached.masterKey !== null) response.master_keys[userId] = cached.masterKey;
      if (cached.selfSigningKey !== null) response.self_signing_keys[userId] = cached.selfSigningKey;
    }
    return rest;
  }

  /** The requester's user-signing signatures of remote users' master keys (stored here, never federated). */
  private addRequesterSignatures(requesterId: string, userIds: readonly string[], response: KeyQueryResponse): void {
    for (const userId of userIds) {
      const master = response.master_keys[userId];
      const keys = master?.keys;
      if (!isObject(keys)) continue;
      const publicKeys = Object.values(keys).filter((k): k is string => typeof k === 'string');
      const signatures = this.stores.crossSigningKeys.signaturesOf(userId, publicKeys, [requesterId]);
      response.master_keys[userId] = withSignatures(master!, signatures);
    }
  }

  private async addRemote(server: string, users: Record<string, readonly string[]>, timeoutMs: number, response: KeyQueryResponse): Promise<void> {
    if (Object.keys(users).length === 0) return;
    if (this.remote === null) {
      this.log.warn(`/keys/query for users of ${server}: federation is not available yet`);
      response.failures[server] = FEDERATION_UNAVAILABLE;
      return;
    }
    try {
      const answer = await this.remote.queryKeys(server, users, timeoutMs);
      // Only what was asked for, and only users of that server.
      for (const field of ['device_keys', 'master_keys', 'self_signing_keys'] as const) {
        const part = answer[field];
        if (!isObject(part)) continue;
        for (const [userId, value] of Object.entries(part)) {
          if (!(userId in users) || !isObject(value)) continue;
          if (field === 'device_keys') response.device_keys[userId] = ownDevicesOnly(userId, value);
          else if (value.user_id === userId) response[field][userId] = value;
        }
      }
      for (const userId of Object.keys(users)) this.cache?.rememberCrossSigningKeys(userId, response.master_keys[userId], response.self_signing_keys[userId]);
    } catch (e) {
      this.log.warn(`/keys/query to ${server} failed: ${e instanceof Error ? e.message : String(e)}`);
      response.failures[server] = failureOf(e);
    }
  }
}

/** A remote server's devices of `userId`, keeping only keys that say they are that user's and that device's. */
function ownDevicesOnly(userId: string, devices: JsonObject): Record<string, JsonObject> {
  const kept: Record<string, JsonObject> = {};
  for (const [deviceId, keys] of Object.entries(devices)) {
    if (isObject(keys) && keys.user_id === userId && keys.device_id === deviceId) kept[deviceId] = keys;
  }
  return kept;
}

/** `device_keys`: user ID → device IDs (empty for all). */
function parseDeviceKeysRequest(body: JsonObject): Record<string, readonly string[]> {
  const deviceKeys = body.device_keys;
  if (deviceKeys === undefined || deviceKeys === null) throw MatrixError.missingParam('Missing required parameter: device_keys');
  if (!isObject(deviceKeys)) throw MatrixError.badJson('device_keys must be an object');
  const entries = Object.entries(deviceKeys);
  if (entries.length > MAX_USERS_PER_QUERY) throw MatrixError.invalidParam(`At most ${MAX_USERS_PER_QUERY} users per query`);
  const result: Record<string, readonly string[]> = {};
  for (const [userId, deviceIds] of entries) {
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a valid user ID`);
    if (!Array.isArray(deviceIds) || !deviceIds.every((d) => typeof d === 'string')) throw MatrixError.badJson(`device_keys.${userId} must be an array of device IDs`);
    result[userId] = deviceIds as string[];
  }
  return result;
}

export function parseTimeout(body: JsonObject): number {
  const timeout = body.timeout;
  if (timeout === undefined || timeout === null) return DEFAULT_REMOTE_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) throw MatrixError.badJson('timeout must be a non-negative integer');
  return Math.min(timeout, MAX_REMOTE_TIMEOUT_MS);
}
