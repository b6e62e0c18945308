/** Signed server-server requests straight to a test server's federation listener, checked against the spec. */
import assert from 'node:assert/strict';
import type { JsonObject } from '../../core/crypto/canonicalJson.ts';
import { xMatrixAuthorization } from '../../core/federation/xMatrixAuthorization.ts';
import { validateResponse } from './openApi.ts';
import type { FederatedServer } from './federatedServers.ts';

/** A request from `from` to `to`'s federation listener, signed by `from` (or not, with `signed: false`). */
export async function federationCall(from: FederatedServer, to: FederatedServer, method: string, uri: string, body?: JsonObject, signed = true) {
  const headers: Record<string, string> = {};
  if (signed) {
    headers.Authorization = xMatrixAuthorization(
      { method, uri, origin: from.serverName, destination: to.serverName, ...(body ? { content: body } : {}) },
      from.homeserver.dataDirectory.signingKey,
    );
  }
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${to.federationUrl}${uri}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  const parsed = (await res.json()) as JsonObject;
  assert.deepEqual(validateResponse('server-server', method, uri, res.status, parsed), [], `${method} ${uri} matches the spec`);
  return { status: res.status, body: parsed };
}
