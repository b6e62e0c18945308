/**
 * Account locking and suspension (spec "Account moderation", admin endpoints of v1.18), over HTTP and validated
 * against the spec: only server admins lock or suspend, never themselves or another admin, and only existing
 * local users (permission checked first). A locked account's every request but logout is 401 M_USER_LOCKED with
 * soft_logout, login too, and its sessions come back when unlocked. A suspended account reads but does not act:
 * 403 M_USER_SUSPENDED for sending, joining, inviting, creating rooms, profile changes, others' redactions, uploads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { request } from '../../support/httpClient.ts';

test('locking: admins only, permission before lookup; a locked account gets M_USER_LOCKED (soft logout) but may log out', async (t) => {
  const hs = await startTestHomeserver(t);
  const admin = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'root', 'password', true));
  const otherAdmin = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'root2', 'password', true));
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const lock = (userId: string) => `/_matrix/client/v1/admin/lock/${enc(userId)}`;

  // Not an admin: 403 whether or not the user exists (no enumeration).
  await bob.fails('GET', lock(alice.userId), undefined, 403, 'M_FORBIDDEN');
  await bob.fails('GET', lock('@nobody:hs.test'), undefined, 403, 'M_FORBIDDEN');
  await bob.fails('PUT', lock(alice.userId), { locked: true }, 403, 'M_FORBIDDEN');
  // Bad targets and bodies.
  await admin.fails('GET', lock('@nobody:hs.test'), undefined, 404, 'M_NOT_FOUND');
  await admin.fails('GET', lock('@alice:elsewhere.test'), undefined, 400, 'M_INVALID_PARAM');
  await admin.fails('GET', lock('not-a-user'), undefined, 400, 'M_INVALID_PARAM');
  await admin.fails('PUT', lock(admin.userId), { locked: true }, 403, 'M_FORBIDDEN');
  await admin.fails('PUT', lock(otherAdmin.userId), { locked: true }, 403, 'M_FORBIDDEN');
  await admin.fails('GET', lock(otherAdmin.userId), undefined, 403, 'M_FORBIDDEN');
  await admin.fails('PUT', lock(alice.userId), {}, 400, 'M_MISSING_PARAM');
  await admin.fails('PUT', lock(alice.userId), { locked: 'yes' }, 400, 'M_BAD_JSON');
  assert.deepEqual(await admin.ok('GET', lock(admin.userId)), { locked: false });

  // Capabilities tell admins they may moderate; others do not see the capability.
  const capabilities = (api: ClientApi) => api.ok<{ capabilities: Record<string, unknown> }>('GET', '/_matrix/client/v3/capabilities');
  assert.deepEqual((await capabilities(admin)).capabilities['m.account_moderation'], { lock: true, suspend: true });
  assert.equal((await capabilities(alice)).capabilities['m.account_moderation'], undefined);

  assert.deepEqual(await admin.ok('GET', lock(alice.userId)), { locked: false });
  assert.deepEqual(await admin.ok('PUT', lock(alice.userId), { locked: true }), { locked: true });
  assert.deepEqual(await admin.ok('GET', lock(alice.userId)), { locked: true });
  for (const [method, path] of [['GET', '/_matrix/client/v3/account/whoami'], ['GET', '/_matrix/client/v3/sync?timeout=0'], ['GET', '/_matrix/client/v3/capabilities']] as const) {
    const res = await alice.fails(method, path, undefined, 401, 'M_USER_LOCKED');
    assert.equal((res.body as { soft_logout?: boolean }).soft_logout, true, path);
  }
  // No new token while locked.
  const login = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'password' } });
  assert.equal(login.status, 401);
  assert.deepEqual(login.body, { errcode: 'M_USER_LOCKED', error: 'This account has been locked', soft_logout: true });
  // Others are unaffected.
  assert.equal((await bob.ok<{ user_id: string }>('GET', '/_matrix/client/v3/account/whoami')).user_id, bob.userId);

  // Unlocked, the same session works again (it was kept).
  assert.deepEqual(await admin.ok('PUT', lock(alice.userId), { locked: false }), { locked: false });
  assert.equal((await alice.ok<{ user_id: string }>('GET', '/_matrix/client/v3/account/whoami')).user_id, alice.userId);

  // Locked again, logging out is still allowed, and ends the session.
  await admin.ok('PUT', lock(alice.userId), { locked: true });
  await alice.ok('POST', '/_matrix/client/v3/logout', {});
  await alice.fails('GET', '/_matrix/client/v3/account/whoami', undefined, 401, 'M_UNKNOWN_TOKEN');
});

test('suspension: a suspended account reads, leaves and redacts its own events, but cannot act in rooms', async (t) => {
  const hs = await startTestHomeserver(t);
  const admin = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'root', 'password', true));
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const carol = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'carol'));
  const suspend = (userId: string) => `/_matrix/client/v1/admin/suspend/${enc(userId)}`;
  const room = await alice.createRoom({ preset: 'public_chat' });
  const other = await bob.createRoom({ preset: 'public_chat' });
  const spare = await bob.createRoom({ preset: 'public_chat' });
  await bob.join(room);
  await alice.join(spare);
  const own = await alice.text(room, 'mine');
  const bobs = await bob.text(room, 'from bob');

  await bob.fails('PUT', suspend(alice.userId), { suspended: true }, 403, 'M_FORBIDDEN');
  await admin.fails('PUT', suspend(admin.userId), { suspended: true }, 403, 'M_FORBIDDEN');
  await admin.fails('PUT', suspend('@ghost:hs.test'), { suspended: true }, 404, 'M_NOT_FOUND');
  await admin.fails('PUT', suspend(alice.userId), { suspended: 1 }, 400, 'M_BAD_JSON');
  assert.deepEqual(await admin.ok('GET', suspend(alice.userId)), { suspended: false });
  assert.deepEqual(await admin.ok('PUT', suspend(alice.userId), { suspended: true }), { suspended: true });
  assert.deepEqual(await admin.ok('GET', suspend(alice.userId)), { suspended: true });

  const suspended = async (method: string, path: string, body?: unknown) => alice.fails(method, path, body, 403, 'M_USER_SUSPENDED');
  const r = enc(room);
  await suspended('PUT', `/_matrix/client/v3/rooms/${r}/send/m.room.message/s1`, { msgtype: 'm.text', body: 'hi' });
  await suspended('PUT', `/_matrix/client/v3/rooms/${r}/state/m.room.topic/`, { topic: 'x' });
  await suspended('PUT', `/_matrix/client/v3/rooms/${r}/redact/${enc(bobs)}/s2`, {});
  await suspended('POST', '/_matrix/client/v3/createRoom', {});
  await suspended('POST', `/_matrix/client/v3/join/${enc(other)}`, {});
  await suspended('POST', `/_matrix/client/v3/rooms/${r}/invite`, { user_id: carol.userId });
  await suspended('POST', `/_matrix/client/v3/rooms/${r}/kick`, { user_id: bob.userId });
  await suspended('POST', `/_matrix/client/v3/rooms/${r}/upgrade`, { new_version: '11' });
  await suspended('PUT', `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, { displayname: 'Alice!' });
  const upload = await request(hs.baseUrl, 'POST', '/_matrix/media/v3/upload', { rawBody: Buffer.from('x'), headers: { 'Content-Type': 'text/plain' }, accessToken: alice.user.accessToken });
  assert.equal(upload.status, 403);
  assert.equal((upload.body as { errcode: string }).errcode, 'M_USER_SUSPENDED');

  // Reading goes on; so do leaving and redacting one's own events.
  const messages = await alice.messages(room, { dir: 'b', limit: 10 });
  assert.ok(messages.chunk.some((e) => e.event_id === bobs));
  await alice.ok('GET', '/_matrix/client/v3/sync?timeout=0');
  await alice.ok('PUT', `/_matrix/client/v3/rooms/${r}/redact/${enc(own)}/s3`, {});
  await alice.leave(spare);
  // Others in the room are unaffected.
  await bob.text(room, 'still talking');

  await admin.ok('PUT', suspend(alice.userId), { suspended: false });
  await alice.text(room, 'back again');
  await alice.join(other);
});
