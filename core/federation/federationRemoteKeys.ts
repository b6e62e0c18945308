/**
 * RemoteKeys over federation: `/keys/query` and `/keys/claim` for users of other servers become
 * `POST /_matrix/federation/v1/user/keys/query|claim` to their server, within the client's timeout.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import type { RemoteKeys } from '../handlers/keys/remoteKeys.ts';
import type { FederationHttpClient } from './federationHttpClient.ts';

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what}: the response is not a JSON object`);
  return value as JsonObject;
}

export class FederationRemoteKeys implements RemoteKeys {
  constructor(private readonly client: FederationHttpClient) {}

  async queryKeys(destination: string, deviceKeys: Readonly<Record<string, readonly string[]>>, timeoutMs: number): Promise<JsonObject> {
    const answer = await this.client.request(destination, {
      method: 'POST',
      path: '/_matrix/federation/v1/user/keys/query',
      body: { device_keys: deviceKeys as JsonObject },
      timeoutMs,
    });
    return asObject(answer, `keys/query to ${destination}`);
  }

  async claimKeys(destination: string, oneTimeKeys: Readonly<Record<string, Readonly<Record<string, string>>>>, timeoutMs: number): Promise<JsonObject> {
    const answer = await this.client.request(destination, {
      method: 'POST',
      path: '/_matrix/federation/v1/user/keys/claim',
      body: { one_time_keys: oneTimeKeys as JsonObject },
      timeoutMs,
    });
    return asObject(answer, `keys/claim to ${destination}`);
  }
}
