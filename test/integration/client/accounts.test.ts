/** Accounts over real HTTP: login, logout, whoami, registration, password change, capabilities (spec-validated). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, createUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';

function assertSpec(method: string, path: string, res: TestResponse) {
  assert.deepEqual(validateResponse('client-server', method, path, res.status, res.body), [], `${method} ${path} ${res.status} ${res.text}`);
}

function errcodeOf(res: TestResponse): string | undefined {
  return (res.body as { errcode?: string } | undefined)?.errcode;
}

test('GET /login lists the password flow', async (t) => {
  const { baseUrl } = await startTestHomeserver(t);
  const res = await request(baseUrl, 'GET', '/_matrix/client/v3/login');
  assert.deepEqual(res.body, { flows: [{ type: 'm.login.password' }] });
  assertSpec('GET', '/_matrix/client/v3/login', res);
});

test('password login creates a device and a token; whoami and logout work; a revoked token is M_UNKNOWN_TOKEN', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice', 's3cret');
  for (const identifier of [{ identifier: { type: 'm.id.user', user: 'alice' } }, { identifier: { type: 'm.id.user', user: '@alice:hs.test' } }, { user: 'ALICE' }]) {
    const res = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', password: 's3cret', ...identifier } });
    assert.equal(res.status, 200, res.text);
    assertSpec('POST', '/_matrix/client/v3/login', res);
    const body = res.body as { user_id: string; access_token: string; device_id: string };
    assert.equal(body.user_id, '@alice:hs.test');
    assert.match(body.access_token, /^hth_[A-Za-z0-9_-]{43}$/);
    const whoami = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: body.access_token });
    assert.deepEqual(whoami.body, { user_id: '@alice:hs.test', device_id: body.device_id, is_guest: false });
    assertSpec('GET', '/_matrix/client/v3/account/whoami', whoami);
  }
  // The token is stored only hashed.
  const stored = hs.homeserver.dataDirectory.db.prepare('SELECT token_hash FROM access_tokens').pluck().all() as string[];
  assert.ok(stored.every((h) => /^[0-9a-f]{64}$/.test(h)));

  const user = await createLoggedInUser(hs, 'bob');
  assert.equal((await request(hs.baseUrl, 'POST', '/_matrix/client/v3/logout', { accessToken: user.accessToken })).status, 200);
  const after = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: user.accessToken });
  assert.deepEqual([after.status, errcodeOf(after)], [401, 'M_UNKNOWN_TOKEN']);
  assertSpec('GET', '/_matrix/client/v3/account/whoami', after);
});

test('login failures: wrong password, unknown user, bad types, unknown login type', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice', 's3cret');
  const login = (body: unknown) => request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body });
  const wrong = await login({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'nope' });
  assert.deepEqual([wrong.status, errcodeOf(wrong)], [403, 'M_FORBIDDEN']);
  assertSpec('POST', '/_matrix/client/v3/login', wrong);
  const unknown = await login({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'mallory' }, password: 'x' });
  assert.deepEqual([unknown.status, errcodeOf(unknown)], [403, 'M_FORBIDDEN']);
  assert.deepEqual(errcodeOf(await login({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 5 }, password: 'x' })), 'M_BAD_JSON');
  assert.deepEqual(errcodeOf(await login({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 5 })), 'M_BAD_JSON');
  assert.deepEqual(errcodeOf(await login({ type: 'm.login.password', password: 'x' })), 'M_MISSING_PARAM');
  const token = await login({ type: 'm.login.token', token: 'abc' });
  assert.deepEqual([token.status, errcodeOf(token)], [400, 'M_UNKNOWN']);
  const notJson = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { rawBody: '{nope' });
  assert.deepEqual([notJson.status, errcodeOf(notJson)], [400, 'M_NOT_JSON']);
});

test('repeated wrong passwords are rate limited with M_LIMIT_EXCEEDED and retry_after_ms', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice', 's3cret');
  let limited: TestResponse | null = null;
  for (let i = 0; i < 10 && !limited; i++) {
    const res = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', user: 'alice', password: `guess${i}` } });
    if (res.status === 429) limited = res;
  }
  assert.ok(limited, 'a 429 after a burst of failures');
  assert.equal(errcodeOf(limited), 'M_LIMIT_EXCEEDED');
  assert.ok(((limited.body as { retry_after_ms: number }).retry_after_ms ?? 0) > 0);
  assert.ok(limited.headers.get('retry-after'));
});

test('a logged-in device can be named on login again, which revokes its old token', async (t) => {
  const hs = await startTestHomeserver(t);
  await createUser(hs, 'alice', 's3cret');
  const first = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', user: 'alice', password: 's3cret', device_id: 'LAPTOP', initial_device_display_name: 'My laptop' } });
  const oldToken = (first.body as { access_token: string }).access_token;
  const second = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', user: 'alice', password: 's3cret', device_id: 'LAPTOP' } });
  assert.equal((second.body as { device_id: string }).device_id, 'LAPTOP');
  assert.equal((await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: oldToken })).status, 401);
  assert.equal(hs.homeserver.storage.stores.devices.getDevice('@alice:hs.test', 'LAPTOP')?.displayName, 'My laptop');
});

test('logout/all revokes every session of the user', async (t) => {
  const hs = await startTestHomeserver(t);
  const a = await createLoggedInUser(hs, 'alice', 'pw');
  const second = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', user: 'alice', password: 'pw' } });
  const token2 = (second.body as { access_token: string }).access_token;
  assert.equal((await request(hs.baseUrl, 'POST', '/_matrix/client/v3/logout/all', { accessToken: a.accessToken })).status, 200);
  for (const token of [a.accessToken, token2]) assert.equal((await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: token })).status, 401);
});

test('missing and malformed tokens: M_MISSING_TOKEN and M_UNKNOWN_TOKEN, header or query parameter', async (t) => {
  const hs = await startTestHomeserver(t);
  const user = await createLoggedInUser(hs, 'alice');
  const none = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami');
  assert.deepEqual([none.status, errcodeOf(none)], [401, 'M_MISSING_TOKEN']);
  const bad = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { headers: { Authorization: 'Bearer hth_nope' } });
  assert.deepEqual([bad.status, errcodeOf(bad)], [401, 'M_UNKNOWN_TOKEN']);
  const odd = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { headers: { Authorization: 'Basic abc' } });
  assert.deepEqual([odd.status, errcodeOf(odd)], [401, 'M_UNKNOWN_TOKEN']);
  const viaQuery = await request(hs.baseUrl, 'GET', `/_matrix/client/v3/account/whoami?access_token=${user.accessToken}`);
  assert.equal(viaQuery.status, 200);
  assert.equal((await request(hs.baseUrl, 'GET', '/_matrix/client/r0/account/whoami', { accessToken: user.accessToken })).status, 200);
});

test('registration is closed by default', async (t) => {
  const hs = await startTestHomeserver(t);
  const res = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/register', { body: { username: 'new', password: 'pw' } });
  assert.deepEqual([res.status, errcodeOf(res)], [403, 'M_FORBIDDEN']);
  assertSpec('POST', '/_matrix/client/v3/register', res);
  const available = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/register/available?username=new');
  assert.equal(available.status, 403);
});

test('registration with a registration token goes through user-interactive auth', async (t) => {
  const hs = await startTestHomeserver(t, { registration: { enabled: true, token: 'let-me-in' } });
  await createUser(hs, 'taken');
  const register = (body: unknown) => request(hs.baseUrl, 'POST', '/_matrix/client/v3/register', { body });
  const first = await register({ username: 'newbie', password: 'pw' });
  assert.equal(first.status, 401);
  assertSpec('POST', '/_matrix/client/v3/register', first);
  const challenge = first.body as { flows: { stages: string[] }[]; session: string; completed?: string[]; errcode?: string };
  assert.deepEqual(challenge.flows, [{ stages: ['m.login.registration_token'] }]);
  assert.equal(challenge.errcode, undefined, 'the first challenge carries no error');

  const wrong = await register({ username: 'newbie', password: 'pw', auth: { type: 'm.login.registration_token', token: 'nope', session: challenge.session } });
  assert.equal(wrong.status, 401);
  assert.equal(errcodeOf(wrong), 'M_UNAUTHORIZED');
  assert.equal((wrong.body as { session: string }).session, challenge.session);

  const ok = await register({ username: 'Newbie', password: 'pw', initial_device_display_name: 'phone', auth: { type: 'm.login.registration_token', token: 'let-me-in', session: challenge.session } });
  assert.equal(ok.status, 200, ok.text);
  assertSpec('POST', '/_matrix/client/v3/register', ok);
  const body = ok.body as { user_id: string; access_token: string; device_id: string };
  assert.equal(body.user_id, '@newbie:hs.test');
  assert.equal((await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: body.access_token })).status, 200);

  const taken = await register({ username: 'taken', password: 'pw' });
  assert.deepEqual([taken.status, errcodeOf(taken)], [400, 'M_USER_IN_USE']);
  const invalid = await register({ username: 'no spaces', password: 'pw' });
  assert.deepEqual([invalid.status, errcodeOf(invalid)], [400, 'M_INVALID_USERNAME']);
  const guest = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/register?kind=guest', { body: {} });
  assert.deepEqual([guest.status, errcodeOf(guest)], [403, 'M_GUEST_ACCESS_FORBIDDEN']);

  const availability = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/register/available?username=free');
  assert.deepEqual(availability.body, { available: true });
  assertSpec('GET', '/_matrix/client/v3/register/available', availability);
  const inUse = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/register/available?username=taken');
  assert.deepEqual([inUse.status, errcodeOf(inUse)], [400, 'M_USER_IN_USE']);
  const validity = await request(hs.baseUrl, 'GET', '/_matrix/client/v1/register/m.login.registration_token/validity?token=let-me-in');
  assert.deepEqual(validity.body, { valid: true });
  assert.deepEqual((await request(hs.baseUrl, 'GET', '/_matrix/client/v1/register/m.login.registration_token/validity?token=x')).body, { valid: false });
});

test('open registration (no token) uses m.login.dummy; inhibit_login returns no token', async (t) => {
  const hs = await startTestHomeserver(t, { registration: { enabled: true } });
  const first = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/register', { body: { username: 'x1', password: 'pw' } });
  const session = (first.body as { session: string; flows: unknown }).session;
  assert.deepEqual((first.body as { flows: unknown }).flows, [{ stages: ['m.login.dummy'] }]);
  const ok = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/register', { body: { username: 'x1', password: 'pw', inhibit_login: true, auth: { type: 'm.login.dummy', session } } });
  assert.deepEqual(ok.body, { user_id: '@x1:hs.test', home_server: 'hs.test' });
  const foreignSession = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/register', { body: { username: 'x2', password: 'pw', auth: { type: 'm.login.dummy', session: 'made-up' } } });
  assert.equal(foreignSession.status, 400);
});

test('password change re-authenticates, sets the password and logs out other sessions', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice', 'old');
  const other = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', user: 'alice', password: 'old' } });
  const otherToken = (other.body as { access_token: string }).access_token;
  const change = (body: unknown) => request(hs.baseUrl, 'POST', '/_matrix/client/v3/account/password', { body, accessToken: alice.accessToken });
  const challenge = await change({ new_password: 'new' });
  assert.equal(challenge.status, 401);
  assertSpec('POST', '/_matrix/client/v3/account/password', challenge);
  const session = (challenge.body as { session: string }).session;
  const wrong = await change({ new_password: 'new', auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'bad', session } });
  assert.deepEqual([wrong.status, errcodeOf(wrong)], [401, 'M_FORBIDDEN']);
  const ok = await change({ new_password: 'new', auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'old', session } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: alice.accessToken })).status, 200, 'this session stays');
  assert.equal((await request(hs.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { accessToken: otherToken })).status, 401, 'others are logged out');
  const relogin = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', user: 'alice', password: 'new' } });
  assert.equal(relogin.status, 200);
  assert.equal(errcodeOf(await change({ new_password: 5 })), 'M_BAD_JSON');
});

test('capabilities advertise room versions and password change', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const res = await request(hs.baseUrl, 'GET', '/_matrix/client/v3/capabilities', { accessToken: alice.accessToken });
  assertSpec('GET', '/_matrix/client/v3/capabilities', res);
  const caps = (res.body as { capabilities: Record<string, { default?: string; available?: Record<string, string>; enabled?: boolean }> }).capabilities;
  assert.equal(caps['m.room_versions']?.default, '11');
  assert.equal(caps['m.room_versions']?.available?.['1'], 'stable');
  assert.equal(caps['m.change_password']?.enabled, true);
});
