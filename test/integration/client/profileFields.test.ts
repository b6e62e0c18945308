/**
 * Extended profile fields (spec v1.16) over real HTTP, spec-validated: `m.tz` and custom keys set, read and
 * deleted by their owner, with the spec's size limits; deleting the display name or avatar updates member
 * events as setting them does; other servers see the fields through query/profile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { startFederatedServers } from '../../support/federatedServers.ts';

const field = (userId: string, key: string) => `/_matrix/client/v3/profile/${enc(userId)}/${enc(key)}`;

test('m.tz and custom fields: set, read alone or in the whole profile, replaced, deleted', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  await alice.ok('PUT', field(alice.userId, 'm.tz'), { 'm.tz': 'Europe/London' });
  await alice.ok('PUT', field(alice.userId, 'org.example.job'), { 'org.example.job': { title: 'Gardener', since: 2020 } });
  assert.deepEqual(await bob.ok('GET', field(alice.userId, 'm.tz')), { 'm.tz': 'Europe/London' });
  assert.deepEqual(await bob.ok('GET', field(alice.userId, 'org.example.job')), { 'org.example.job': { title: 'Gardener', since: 2020 } });
  assert.deepEqual(await bob.ok('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}`), {
    displayname: 'alice',
    'm.tz': 'Europe/London',
    'org.example.job': { title: 'Gardener', since: 2020 },
  });

  await alice.ok('PUT', field(alice.userId, 'org.example.job'), { 'org.example.job': 'Florist' });
  assert.deepEqual(await bob.ok('GET', field(alice.userId, 'org.example.job')), { 'org.example.job': 'Florist' });
  assert.deepEqual(await alice.ok('DELETE', field(alice.userId, 'org.example.job')), {});
  await bob.fails('GET', field(alice.userId, 'org.example.job'), undefined, 404, 'M_NOT_FOUND');
  // Deleting what is not there succeeds.
  assert.deepEqual(await alice.ok('DELETE', field(alice.userId, 'org.example.job')), {});
  assert.deepEqual(await bob.ok('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}`), { displayname: 'alice', 'm.tz': 'Europe/London' });

  const capabilities = await alice.ok<{ capabilities: Record<string, unknown> }>('GET', '/_matrix/client/v3/capabilities');
  assert.deepEqual(capabilities.capabilities['m.profile_fields'], { enabled: true });
});

test('deleting the display name or avatar updates member events, as setting them does', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat' });
  await bob.join(roomId);
  await alice.ok('PUT', field(alice.userId, 'avatar_url'), { avatar_url: 'mxc://hs.test/abc' });
  const memberPath = `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(alice.userId)}`;
  assert.deepEqual(await bob.ok('GET', memberPath), { membership: 'join', displayname: 'alice', avatar_url: 'mxc://hs.test/abc' });

  await alice.ok('DELETE', field(alice.userId, 'displayname'));
  assert.deepEqual(await bob.ok('GET', memberPath), { membership: 'join', avatar_url: 'mxc://hs.test/abc' });
  await bob.fails('GET', field(alice.userId, 'displayname'), undefined, 404, 'M_NOT_FOUND');
  await alice.ok('DELETE', field(alice.userId, 'avatar_url'));
  assert.deepEqual(await bob.ok('GET', memberPath), { membership: 'join' });
  assert.deepEqual(await bob.ok('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}`), {});
});

test('profile fields: only your own, valid keys and values, within the size limits', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  await bob.fails('PUT', field(alice.userId, 'm.tz'), { 'm.tz': 'Europe/Paris' }, 403, 'M_FORBIDDEN');
  await bob.fails('DELETE', field(alice.userId, 'm.tz'), undefined, 403, 'M_FORBIDDEN');
  await bob.fails('DELETE', field(alice.userId, 'displayname'), undefined, 403, 'M_FORBIDDEN');
  const anonymous = await alice.call('DELETE', field(alice.userId, 'm.tz'), undefined, { noAuth: true });
  assert.deepEqual([anonymous.status, (anonymous.body as { errcode: string }).errcode], [401, 'M_MISSING_TOKEN']);

  await alice.fails('PUT', field(alice.userId, 'Org.Example'), { 'Org.Example': 1 }, 400, 'M_INVALID_PARAM');
  await alice.fails('DELETE', field(alice.userId, 'has space'), undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', field(alice.userId, '9lives'), undefined, 400, 'M_INVALID_PARAM');
  const longKey = `org.${'a'.repeat(252)}`;
  await alice.fails('PUT', field(alice.userId, longKey), { [longKey]: 1 }, 400, 'M_KEY_TOO_LARGE');
  await alice.fails('PUT', field(alice.userId, 'org.example.x'), { 'org.example.y': 1 }, 400, 'M_MISSING_PARAM');
  await alice.fails('PUT', field(alice.userId, 'org.example.x'), { 'org.example.x': null }, 400, 'M_INVALID_PARAM');
  await alice.fails('PUT', field(alice.userId, 'm.tz'), { 'm.tz': 5 }, 400, 'M_BAD_JSON');
  await alice.fails('PUT', field(alice.userId, 'm.tz'), { 'm.tz': 'Mars/Olympus_Mons' }, 400, 'M_INVALID_PARAM');
  await alice.fails('PUT', field(alice.userId, 'displayname'), { displayname: 'x'.repeat(300) }, 400, 'M_BAD_JSON');
  await alice.fails('GET', field('not-a-user', 'm.tz'), undefined, 400, 'M_INVALID_PARAM');

  // The whole profile stays under 64 KiB.
  await alice.ok('PUT', field(alice.userId, 'org.example.big'), { 'org.example.big': 'b'.repeat(40_000) });
  await alice.fails('PUT', field(alice.userId, 'org.example.more'), { 'org.example.more': 'm'.repeat(30_000) }, 400, 'M_PROFILE_TOO_LARGE');
  await alice.ok('PUT', field(alice.userId, 'org.example.more'), { 'org.example.more': 'm'.repeat(20_000) });
  assert.equal(((await alice.ok('GET', field(alice.userId, 'org.example.more'))) as Record<string, string>)['org.example.more']?.length, 20_000);
});

test('other servers see extended fields through query/profile', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  await alice.ok('PUT', field(alice.userId, 'm.tz'), { 'm.tz': 'Asia/Tokyo' });
  assert.deepEqual(await bob.ok('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}`), { displayname: 'alice', 'm.tz': 'Asia/Tokyo' });
  assert.deepEqual(await bob.ok('GET', field(alice.userId, 'm.tz')), { 'm.tz': 'Asia/Tokyo' });
  await bob.fails('GET', field(alice.userId, 'org.example.unset'), undefined, 404, 'M_NOT_FOUND');
});
