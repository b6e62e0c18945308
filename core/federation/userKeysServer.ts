/**
 * What other servers may ask about our users' devices and keys (server-server API, "End-to-End Encryption"):
 * `GET /user/devices/{userId}` (the whole device list with its version, for servers that missed updates),
 * `POST /user/keys/query` and `POST /user/keys/claim`. Only local users are answered; others are ignored.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { KeyQueryHandler } from '../handlers/keys/keyQueryHandler.ts';
import type { KeyClaimHandler } from '../handlers/keys/keyClaimHandler.ts';
import { MatrixError } from '../handlers/matrixError.ts';

export interface UserDevicesResponse {
  user_id: string;
  stream_id: number;
  devices: { device_id: string; keys: JsonObject }[];
  master_key?: JsonObject;
  self_signing_key?: JsonObject;
}

export class UserKeysServer {
  constructor(
    private readonly stores: DataStores,
    private readonly keyQuery: KeyQueryHandler,
    private readonly keyClaim: KeyClaimHandler,
  ) {}

  /** `GET /user/devices/{userId}` from `origin`. Devices without keys are left out: the spec requires `keys`. */
  userDevices(origin: string, userId: string): UserDevicesResponse {
    if (domainOf(userId) !== this.stores.serverName) throw MatrixError.invalidParam(`${userId} is not a user of this server`);
    return this.stores.db.transaction(() => {
      const keys = this.keyQuery.localKeysForServer({ device_keys: { [userId]: [] } });
      const response: UserDevicesResponse = {
        user_id: userId,
        stream_id: this.stores.deviceLists.deviceListVersionFor(origin, userId),
        devices: Object.entries(keys.device_keys[userId] ?? {}).map(([deviceId, deviceKeys]) => {
          const { unsigned: _unsigned, ...signed } = deviceKeys;
          return { device_id: deviceId, keys: signed };
        }),
      };
      if (keys.master_keys[userId]) response.master_key = keys.master_keys[userId];
      if (keys.self_signing_keys[userId]) response.self_signing_key = keys.self_signing_keys[userId];
      return response;
    })();
  }

  /** `POST /user/keys/query`. */
  queryKeys(body: JsonObject): JsonObject {
    return this.keyQuery.localKeysForServer(body) as unknown as JsonObject;
  }

  /** `POST /user/keys/claim`. */
  claimKeys(body: JsonObject): JsonObject {
    return { one_time_keys: this.keyClaim.claimForServer(body, this.stores.serverName) } as unknown as JsonObject;
  }
}
