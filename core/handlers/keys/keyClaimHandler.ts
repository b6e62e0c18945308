/**
 * `POST /keys/claim`: one key per (user, device, algorithm) asked for: the device's oldest one-time key of
 * that algorithm, which is deleted so that no one else ever gets it, or else its fallback key, which stays
 * but is marked used (the device learns it through /sync and replaces it). Devices with neither, and unknown
 * devices, are simply absent from the result. Remote users go through RemoteKeys, or are listed under
 * `failures`.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { domainOf, isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { Logger } from '../../logging/logger.ts';
import { MatrixError } from '../matrixError.ts';
import { parseTimeout } from './keyQueryHandler.ts';
import { FEDERATION_UNAVAILABLE, failureOf, type RemoteFailure, type RemoteKeys } from './remoteKeys.ts';

export interface KeyClaimResponse {
  one_time_keys: Record<string, Record<string, Record<string, JsonValue>>>;
  failures: Record<string, RemoteFailure>;
}

/** Most keys one claim may ask for. */
export const MAX_KEYS_PER_CLAIM = 10_000;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class KeyClaimHandler {
  constructor(
    private readonly stores: DataStores,
    private remote: RemoteKeys | null,
    private readonly log: Logger,
  ) {}

  /** Federation provides remote users' keys once it exists (it is composed after the handlers). */
  setRemote(remote: RemoteKeys): void {
    this.remote = remote;
  }

  /** Claims keys of local users for another server (`POST /_matrix/federation/v1/user/keys/claim`). */
  claimForServer(body: JsonObject, serverName: string): KeyClaimResponse['one_time_keys'] {
    const wanted = parseClaimRequest(body);
    const response: KeyClaimResponse = { one_time_keys: {}, failures: {} };
    this.claimLocal(Object.entries(wanted).filter(([userId]) => domainOf(userId) === serverName), response);
    return response.one_time_keys;
  }

  async claim(body: JsonObject): Promise<KeyClaimResponse> {
    const wanted = parseClaimRequest(body);
    const timeoutMs = parseTimeout(body);
    const response: KeyClaimResponse = { one_time_keys: {}, failures: {} };
    const remote = new Map<string, Record<string, Record<string, string>>>();
    const local: [string, Record<string, string>][] = [];
    for (const [userId, devices] of Object.entries(wanted)) {
      const server = domainOf(userId)!;
      if (server === this.stores.serverName) local.push([userId, devices]);
      else (remote.get(server) ?? remote.set(server, {}).get(server)!)[userId] = devices;
    }
    this.claimLocal(local, response);
    await Promise.all([...remote].map(([server, users]) => this.claimRemote(server, users, timeoutMs, response)));
    return response;
  }

  /** One transaction: each key is handed out once even when claims race. */
  private claimLocal(users: readonly [string, Record<string, string>][], response: KeyClaimResponse): void {
    if (users.length === 0) return;
    this.stores.db.transaction(() => {
      for (const [userId, devices] of users) {
        const claimed: Record<string, Record<string, JsonValue>> = {};
        for (const [deviceId, algorithm] of Object.entries(devices)) {
          const key = this.stores.oneTimeKeys.claimOneTimeKey(userId, deviceId, algorithm) ?? this.stores.oneTimeKeys.claimFallbackKey(userId, deviceId, algorithm);
          if (key !== null) claimed[deviceId] = { [key.keyId]: key.key };
        }
        if (Object.keys(claimed).length > 0) response.one_time_keys[userId] = claimed;
      }
    }).immediate();
  }

  private async claimRemote(server: string, users: Record<string, Record<string, string>>, timeoutMs: number, response: KeyClaimResponse): Promise<void> {
    if (this.remote === null) {
      this.log.warn(`/keys/claim for users of ${server}: federation is not available yet`);
      response.failures[server] = FEDERATION_UNAVAILABLE;
      return;
    }
    try {
      const answer = await this.remote.claimKeys(server, users, timeoutMs);
      const keys = answer.one_time_keys;
      if (!isObject(keys)) return;
      for (const [userId, devices] of Object.entries(keys)) {
        if (userId in users && isObject(devices)) response.one_time_keys[userId] = devices as Record<string, Record<string, JsonValue>>;
      }
    } catch (e) {
      this.log.warn(`/keys/claim to ${server} failed: ${e instanceof Error ? e.message : String(e)}`);
      response.failures[server] = failureOf(e);
    }
  }
}

/** `one_time_keys`: user ID → device ID → algorithm. */
function parseClaimRequest(body: JsonObject): Record<string, Record<string, string>> {
  const oneTimeKeys = body.one_time_keys;
  if (oneTimeKeys === undefined || oneTimeKeys === null) throw MatrixError.missingParam('Missing required parameter: one_time_keys');
  if (!isObject(oneTimeKeys)) throw MatrixError.badJson('one_time_keys must be an object');
  const result: Record<string, Record<string, string>> = {};
  let count = 0;
  for (const [userId, devices] of Object.entries(oneTimeKeys)) {
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a valid user ID`);
    if (!isObject(devices)) throw MatrixError.badJson(`one_time_keys.${userId} must be an object of device ID to algorithm`);
    for (const [deviceId, algorithm] of Object.entries(devices)) {
      if (typeof algorithm !== 'string' || algorithm === '') throw MatrixError.badJson(`one_time_keys.${userId}.${deviceId} must be an algorithm name`);
    }
    count += Object.keys(devices).length;
    result[userId] = devices as Record<string, string>;
  }
  if (count > MAX_KEYS_PER_CLAIM) throw MatrixError.invalidParam(`At most ${MAX_KEYS_PER_CLAIM} keys per claim`);
  return result;
}
