/**
 * Keys through a notary: a server answers `POST /_matrix/key/v2/query` and `GET /_matrix/key/v2/query/{server}`
 * with other servers' key documents as they signed them, countersigned by itself; and a server that cannot reach
 * another server's key endpoint gets its keys through the notaries it trusts (`federation.trusted_key_servers`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { validateResponse } from '../../support/openApi.ts';
import { startFederatedServers, type FederatedServer } from '../../support/federatedServers.ts';

const trustingB = { federation: { listener: { host: '127.0.0.1', port: 0 }, allow_insecure_http: true, trusted_key_servers: ['b.test'] } };

async function keyQuery(server: FederatedServer, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${server.federationUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  const parsed = (await res.json()) as JsonObject;
  assert.deepEqual(validateResponse('server-server', method, path, res.status, parsed), [], `${method} ${path} matches the spec`);
  return { status: res.status, body: parsed };
}

test('a notary hands out other servers’ key documents countersigned, and refuses malformed queries', async (t) => {
  const [, b, c] = await startFederatedServers(t, ['a.test', 'b.test', 'c.test']);
  const cKey = c!.homeserver.dataDirectory.signingKey;
  const query = await keyQuery(b!, 'POST', '/_matrix/key/v2/query', { server_keys: { 'c.test': { [cKey.keyId]: { minimum_valid_until_ts: 0 } }, 'nowhere.invalid': {} } });
  assert.equal(query.status, 200);
  const documents = query.body.server_keys as JsonObject[];
  assert.equal(documents.length, 1, 'the unreachable server is left out');
  const document = documents[0]!;
  assert.equal(document.server_name, 'c.test');
  assert.deepEqual(Object.keys(document.signatures as JsonObject).sort(), ['b.test', 'c.test']);
  assert.equal(((document.verify_keys as JsonObject)[cKey.keyId] as JsonObject).key, cKey.publicKeyBase64);
  // The notary's and C's signatures both verify: A's key ring accepts the document from B.
  const ring = c!.homeserver.federation!.keyRing;
  assert.equal(await ring.isSignedBy(document, 'b.test'), true);
  assert.equal(await ring.isSignedBy(document, 'c.test'), true);

  const single = await keyQuery(b!, 'GET', '/_matrix/key/v2/query/c.test');
  assert.deepEqual((single.body.server_keys as JsonObject[]).map((d) => d.server_name), ['c.test']);
  const own = await keyQuery(b!, 'GET', '/_matrix/key/v2/query/b.test');
  assert.deepEqual((own.body.server_keys as JsonObject[]).map((d) => d.server_name), ['b.test']);

  for (const [body, status, errcode] of [
    [{}, 400, 'M_MISSING_PARAM'],
    [{ server_keys: [] }, 400, 'M_BAD_JSON'],
    [{ server_keys: { 'c.test': { key: 5 } } }, 400, 'M_BAD_JSON'],
    [{ server_keys: { 'not a server!': {} } }, 400, 'M_INVALID_PARAM'],
    ['{not json', 400, 'M_NOT_JSON'],
  ] as const) {
    const res = await keyQuery(b!, 'POST', '/_matrix/key/v2/query', body);
    assert.deepEqual([res.status, res.body.errcode], [status, errcode], JSON.stringify(body));
  }
});

test('a server that cannot reach another’s key endpoint verifies its requests with keys from a trusted notary', async (t) => {
  const [a, , c] = await startFederatedServers(t, ['a.test', 'b.test', 'c.test'], trustingB);
  // A cannot reach C at all; B can.
  a!.homeserver.federation!.resolver.setStatic('c.test', 'http://127.0.0.1:1');
  const profile = await c!.homeserver.federation!.client.request<JsonObject>('a.test', {
    method: 'GET',
    path: '/_matrix/federation/v1/query/profile',
    query: { user_id: '@nobody:a.test' },
  }).catch((e: Error) => e);
  // The request was authenticated (C's key came through B): A answers 404 for the unknown user, not 401.
  assert.ok(profile instanceof Error && /404/.test(profile.message), String(profile instanceof Error ? profile.message : JSON.stringify(profile)));
  const stored = a!.homeserver.federation!.keyRing;
  assert.ok(await stored.getKey('c.test', c!.homeserver.dataDirectory.signingKey.keyId), 'A holds C’s key');
});
