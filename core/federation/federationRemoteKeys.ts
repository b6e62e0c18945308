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

  queryKeys(destination: string, deviceKeys: Readonly<Record<string, readonly string[]>>, timeoutMs: number): Promise<JsonObject> {
    return this.post(destination, 'query', { device_keys: deviceKeys as JsonObject }, timeoutMs);
  }

  claimKeys(destination: string, oneTimeKeys: Readonly<Record<string, Readonly<Record<string, string>>>>, timeoutMs: number): Promise<JsonObject> {
    return this.post(destination, 'claim', { one_time_keys: oneTimeKeys as JsonObject }, timeoutMs);
  }

  private async post(destination: string, endpoint: 'query' | 'claim', body: JsonObject, timeoutMs: number): Promise<JsonObject> {
    const answer = await this.client.request(destination, { method: 'POST', path: `/_matrix/federation/v1/user/keys/${endpoint}`, body, timeoutMs });
    return asObject(answer, `keys/${endpoint} to ${destination}`);
  }
}
