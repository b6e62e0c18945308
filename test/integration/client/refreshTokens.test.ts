/**
 * Refresh tokens over real HTTP, spec-validated: `refresh_token: true` on /login and /register, access tokens
 * that expire (soft logout), `/refresh` issuing a new pair while the old one lasts until the new one is used,
 * consumed refresh tokens refused, and logouts ending the whole session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUser, startTestHomeserver, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in_ms: number;
}

function assertSpec(method: string, path: string, res: TestResponse): void {
  assert.deepEqual(validateResponse('client-server', method, path, res.status, res.body), [], `${method} ${path} ${res.status} ${res.text}`);
}

function errorOf(res: TestResponse): [number, string | undefined] {
  return [res.status, (res.body as { errcode?: string } | undefined)?.errcode];
}

async function login(hs: RunningHomeserver, extra: Record<string, unknown> = {}): Promise<TestResponse> {
  const res = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'password', ...extra },
  });
  assertSpec('POST', '/_matrix/client/v3/login', res);
  return res;
}

async function refresh(hs: RunningHomeserver, body: unknown): Promise<TestResponse> {
  const res = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/refresh', { body });
  assertSpec('POST', '/_matrix/client/v3/refresh', res);
  return res;
}

async function whoami(hs: RunningHomeserver, accessToken: string): Promise<TestResponse> {
  const res = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken });
  assertSpec('GET', '/_matrix/client/v3/account/whoami', res);
  return res;
}

test('login with refresh_token: true gets a refresh token and an expiring access token; without it, neither', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice');
  const plain = await login(hs);
  assert.equal((plain.body as Partial<Tokens>).refresh_token, undefined);
  assert.equal((plain.body as Partial<Tokens>).expires_in_ms, undefined);
  const declined = await login(hs, { refresh_token: false });
  assert.equal((declined.body as Partial<Tokens>).refresh_token, undefined);

  const res = await login(hs, { refresh_token: true });
  assert.equal(res.status, 200, res.text);
  const tokens = res.body as Tokens & { device_id: string };
  assert.match(tokens.refresh_token, /^htr_[A-Za-z0-9_-]{43}$/);
  assert.equal(tokens.expires_in_ms, 300_000);
  assert.equal((await whoami(hs, tokens.access_token)).status, 200);
  const stored = hs.homeserver.dataDirectory.db.prepare('SELECT token_hash FROM refresh_tokens').pluck().all() as string[];
  assert.equal(stored.length, 1);
  assert.match(stored[0]!, /^[0-9a-f]{64}$/);
  const validUntil = hs.homeserver.dataDirectory.db.prepare('SELECT valid_until_ms FROM access_tokens WHERE refresh_token_id IS NOT NULL').pluck().get() as number;
  assert.ok(Math.abs(validUntil - (Date.now() + 300_000)) < 60_000);

  const bad = await login(hs, { refresh_token: 'yes' });
  assert.deepEqual(errorOf(bad), [400, 'M_BAD_JSON']);
});

test('refreshing: the old pair lasts until the new access token is used; then the old refresh token is refused', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice');
  const first = (await login(hs, { refresh_token: true })).body as Tokens & { device_id: string };

  const second = await refresh(hs, { refresh_token: first.refresh_token });
  assert.equal(second.status, 200, second.text);
  const next = second.body as Tokens;
  assert.notEqual(next.access_token, first.access_token);
  assert.notEqual(next.refresh_token, first.refresh_token);
  assert.equal(next.expires_in_ms, 300_000);
  // The client may have lost the answer: the old pair still works.
  assert.equal((await whoami(hs, first.access_token)).status, 200);

  // The new pair is bound to the same device.
  const me = await whoami(hs, next.access_token);
  assert.deepEqual(me.body, { user_id: '@alice:hs.test', device_id: first.device_id, is_guest: false });
  // Using it retired the old pair.
  assert.deepEqual(errorOf(await whoami(hs, first.access_token)), [401, 'M_UNKNOWN_TOKEN']);
  const reused = await refresh(hs, { refresh_token: first.refresh_token });
  assert.deepEqual(errorOf(reused), [401, 'M_UNKNOWN_TOKEN']);
  assert.equal(typeof (reused.body as { error: unknown }).error, 'string');

  // The chain goes on.
  const third = (await refresh(hs, { refresh_token: next.refresh_token })).body as Tokens;
  assert.equal((await whoami(hs, third.access_token)).status, 200);
  assert.deepEqual(errorOf(await whoami(hs, next.access_token)), [401, 'M_UNKNOWN_TOKEN']);
});

test('refreshing again with the old token replaces the unused pair; using the new refresh token retires the old pair', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice');
  const first = (await login(hs, { refresh_token: true })).body as Tokens;
  const lost = (await refresh(hs, { refresh_token: first.refresh_token })).body as Tokens;
  const retried = (await refresh(hs, { refresh_token: first.refresh_token })).body as Tokens;
  assert.deepEqual(errorOf(await whoami(hs, lost.access_token)), [401, 'M_UNKNOWN_TOKEN'], 'the answer the client lost no longer counts');
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: lost.refresh_token })), [401, 'M_UNKNOWN_TOKEN']);

  // Refreshing with the new refresh token, before its access token was ever used, also proves the client has it.
  const latest = (await refresh(hs, { refresh_token: retried.refresh_token })).body as Tokens;
  assert.deepEqual(errorOf(await whoami(hs, first.access_token)), [401, 'M_UNKNOWN_TOKEN']);
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: first.refresh_token })), [401, 'M_UNKNOWN_TOKEN']);
  assert.equal((await whoami(hs, latest.access_token)).status, 200);
});

test('an expired access token is a soft logout; refreshing brings the session back', async (t) => {
  const hs = await startTestHomeserver(t, { registration: { refreshable_access_token_lifetime_ms: 1500 } });
  await createUser(hs, 'alice');
  const first = (await login(hs, { refresh_token: true })).body as Tokens;
  assert.equal(first.expires_in_ms, 1500);
  await new Promise((resolve) => setTimeout(resolve, 1600));
  const expired = await whoami(hs, first.access_token);
  assert.deepEqual(errorOf(expired), [401, 'M_UNKNOWN_TOKEN']);
  assert.equal((expired.body as { soft_logout?: boolean }).soft_logout, true);
  const next = (await refresh(hs, { refresh_token: first.refresh_token })).body as Tokens;
  assert.equal((await whoami(hs, next.access_token)).status, 200);
  // Tokens of clients without refresh support do not expire.
  const plain = (await login(hs)).body as { access_token: string };
  await new Promise((resolve) => setTimeout(resolve, 1600));
  assert.equal((await whoami(hs, plain.access_token)).status, 200);
});

test('registration with refresh_token: true gets a refresh token', async (t) => {
  const hs = await startTestHomeserver(t, { registration: { enabled: true } });
  const register = (body: unknown) => request(hs.baseUrl, 'POST', '/_matrix/client/v3/register', { body });
  const challenge = (await register({ username: 'newbie', password: 'pw' })).body as { session: string };
  const bad = await register({ username: 'newbie', password: 'pw', refresh_token: 1, auth: { type: 'm.login.dummy', session: challenge.session } });
  assert.deepEqual(errorOf(bad), [400, 'M_BAD_JSON']);
  const ok = await register({ username: 'newbie', password: 'pw', refresh_token: true, auth: { type: 'm.login.dummy', session: challenge.session } });
  assert.equal(ok.status, 200, ok.text);
  assertSpec('POST', '/_matrix/client/v3/register', ok);
  const tokens = ok.body as Tokens;
  assert.equal(tokens.expires_in_ms, 300_000);
  const next = (await refresh(hs, { refresh_token: tokens.refresh_token })).body as Tokens;
  assert.equal((await whoami(hs, next.access_token)).status, 200);
});

test('logging out ends the whole session, refresh tokens included', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice');
  const first = (await login(hs, { refresh_token: true })).body as Tokens;
  await request(hs.baseUrl, 'POST', '/_matrix/client/v3/logout', { accessToken: first.access_token });
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: first.refresh_token })), [401, 'M_UNKNOWN_TOKEN']);

  // With a refresh pending, logging out with the new token also ends the old pair (and the other way round).
  const old = (await login(hs, { refresh_token: true })).body as Tokens;
  const pending = (await refresh(hs, { refresh_token: old.refresh_token })).body as Tokens;
  await request(hs.baseUrl, 'POST', '/_matrix/client/v3/logout', { accessToken: pending.access_token });
  assert.deepEqual(errorOf(await whoami(hs, old.access_token)), [401, 'M_UNKNOWN_TOKEN']);
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: old.refresh_token })), [401, 'M_UNKNOWN_TOKEN']);
  const again = (await login(hs, { refresh_token: true })).body as Tokens;
  const unused = (await refresh(hs, { refresh_token: again.refresh_token })).body as Tokens;
  await request(hs.baseUrl, 'POST', '/_matrix/client/v3/logout', { accessToken: again.access_token });
  assert.deepEqual(errorOf(await whoami(hs, unused.access_token)), [401, 'M_UNKNOWN_TOKEN']);
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: unused.refresh_token })), [401, 'M_UNKNOWN_TOKEN']);

  const all = (await login(hs, { refresh_token: true })).body as Tokens;
  await request(hs.baseUrl, 'POST', '/_matrix/client/v3/logout/all', { accessToken: all.access_token });
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: all.refresh_token })), [401, 'M_UNKNOWN_TOKEN']);
  assert.equal(hs.homeserver.dataDirectory.db.prepare('SELECT COUNT(*) FROM refresh_tokens').pluck().get(), 0);
});

test('/refresh refuses missing, mistyped and unknown refresh tokens, and access tokens', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice');
  const session = (await login(hs, { refresh_token: true })).body as Tokens;
  assert.deepEqual(errorOf(await refresh(hs, {})), [400, 'M_MISSING_PARAM']);
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: 5 })), [400, 'M_BAD_JSON']);
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: 'htr_made_up' })), [401, 'M_UNKNOWN_TOKEN']);
  assert.deepEqual(errorOf(await refresh(hs, { refresh_token: session.access_token })), [401, 'M_UNKNOWN_TOKEN']);
  const notJson = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/refresh', { rawBody: '{nope', headers: { 'Content-Type': 'application/json' } });
  assert.deepEqual(errorOf(notJson), [400, 'M_NOT_JSON']);
});
