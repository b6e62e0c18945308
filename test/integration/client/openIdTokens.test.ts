/**
 * OpenID tokens over real HTTP: requested on the client API for oneself, exchanged for the user ID on the
 * federation listener's `openid/userinfo` (no X-Matrix signature needed), and good for nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';

interface OpenIdToken {
  access_token: string;
  token_type: string;
  matrix_server_name: string;
  expires_in: number;
}

async function startWithFederation(t: Parameters<typeof startTestHomeserver>[0]) {
  const hs = await startTestHomeserver(t, { federation: { listener: { host: '127.0.0.1', port: 0 } } });
  return { hs, federationUrl: `http://127.0.0.1:${hs.homeserver.federationListenerAddress!.port}` };
}

function assertFederationSpec(path: string, res: TestResponse): void {
  assert.deepEqual(validateResponse('server-server', 'GET', path, res.status, res.body), [], `GET ${path} -> ${res.status} ${res.text}`);
}

test('an OpenID token names its owner at the federation userinfo endpoint, and is stored hashed', async (t) => {
  const { hs, federationUrl } = await startWithFederation(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const token = await alice.ok<OpenIdToken>('POST', `/_matrix/client/v3/user/${enc(alice.userId)}/openid/request_token`, {});
  assert.equal(token.token_type, 'Bearer');
  assert.equal(token.matrix_server_name, 'hs.test');
  assert.equal(token.expires_in, 3600);
  assert.ok(token.access_token.length >= 32);

  const path = `/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token.access_token)}`;
  const info = await request(federationUrl, 'GET', path);
  assert.equal(info.status, 200, info.text);
  assert.deepEqual(info.body, { sub: alice.userId });
  assertFederationSpec(path, info);

  const stored = hs.homeserver.dataDirectory.db.prepare('SELECT token_hash, valid_until_ms FROM openid_tokens').all() as { token_hash: string; valid_until_ms: number }[];
  assert.equal(stored.length, 1);
  assert.match(stored[0]!.token_hash, /^[0-9a-f]{64}$/);
  assert.ok(!stored.some((row) => row.token_hash.includes(token.access_token)));
  assert.ok(Math.abs(stored[0]!.valid_until_ms - (Date.now() + 3600_000)) < 60_000);
});

test('OpenID tokens: only for yourself, need a JSON body, and are no access tokens', async (t) => {
  const { hs } = await startWithFederation(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const path = `/_matrix/client/v3/user/${enc(alice.userId)}/openid/request_token`;
  await bob.fails('POST', path, {}, 403, 'M_FORBIDDEN');
  const anonymous = await alice.call('POST', path, {}, { noAuth: true });
  assert.deepEqual([anonymous.status, (anonymous.body as { errcode: string }).errcode], [401, 'M_MISSING_TOKEN']);
  await alice.fails('POST', path, [1, 2], 400, 'M_BAD_JSON');
  const notJson = await request(hs.baseUrl, 'POST', path, { rawBody: '{nope', headers: { 'Content-Type': 'application/json' }, accessToken: alice.user.accessToken });
  assert.deepEqual([notJson.status, (notJson.body as { errcode: string }).errcode], [400, 'M_NOT_JSON']);

  const token = await alice.ok<OpenIdToken>('POST', path, {});
  const asAccessToken = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: token.access_token });
  assert.deepEqual([asAccessToken.status, (asAccessToken.body as { errcode: string }).errcode], [401, 'M_UNKNOWN_TOKEN']);
});

test('federation userinfo: unknown, expired and missing tokens are 401', async (t) => {
  const { hs, federationUrl } = await startWithFederation(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const token = await alice.ok<OpenIdToken>('POST', `/_matrix/client/v3/user/${enc(alice.userId)}/openid/request_token`, {});
  const userinfo = (accessToken?: string) => {
    const path = `/_matrix/federation/v1/openid/userinfo${accessToken === undefined ? '' : `?access_token=${encodeURIComponent(accessToken)}`}`;
    return request(federationUrl, 'GET', path).then((res) => {
      assertFederationSpec(path, res);
      return res;
    });
  };

  const unknown = await userinfo('not-a-token');
  assert.deepEqual([unknown.status, (unknown.body as { errcode: string }).errcode], [401, 'M_UNKNOWN_TOKEN']);
  const missing = await userinfo();
  assert.deepEqual([missing.status, (missing.body as { errcode: string }).errcode], [401, 'M_MISSING_TOKEN']);

  // Expire the token in place: an hour is too long to wait for.
  hs.homeserver.dataDirectory.db.prepare('UPDATE openid_tokens SET valid_until_ms = ?').run(Date.now() - 1);
  const expired = await userinfo(token.access_token);
  assert.deepEqual([expired.status, (expired.body as { errcode: string }).errcode], [401, 'M_UNKNOWN_TOKEN']);
});
