/** `GET /_matrix/client/v1/mutual_rooms` over real HTTP, spec-validated: rooms both users are joined to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';

const mutual = (userId: string, extra = '') => `/_matrix/client/v1/mutual_rooms?user_id=${enc(userId)}${extra}`;

test('mutual rooms are the rooms both users are joined to, now', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const shared = await alice.createRoom({ preset: 'public_chat' });
  const left = await alice.createRoom({ preset: 'public_chat' });
  const invited = await alice.createRoom({ preset: 'private_chat' });
  await alice.createRoom({ preset: 'public_chat' });
  await bob.join(shared);
  await bob.join(left);
  await bob.leave(left);
  await alice.invite(invited, bob.userId);

  assert.deepEqual(await alice.ok('GET', mutual(bob.userId)), { joined: [shared], count: 1 });
  assert.deepEqual(await bob.ok('GET', mutual(alice.userId)), { joined: [shared], count: 1 });
  await bob.join(invited);
  assert.deepEqual(((await alice.ok<{ joined: string[] }>('GET', mutual(bob.userId))).joined).sort(), [invited, shared].sort());
  // A user that does not exist shares nothing.
  assert.deepEqual(await alice.ok('GET', mutual('@nobody:elsewhere.test')), { joined: [], count: 0 });
});

test('mutual rooms: user_id is required, valid, given once and not yourself; no from tokens are issued', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  await alice.fails('GET', '/_matrix/client/v1/mutual_rooms', undefined, 400, 'M_MISSING_PARAM');
  await alice.fails('GET', mutual('bob'), undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', mutual(alice.userId), undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', mutual(bob.userId, `&user_id=${enc('@carol:hs.test')}`), undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', mutual(bob.userId, '&from=next_batch_token'), undefined, 400, 'M_INVALID_PARAM');
  const anonymous = await alice.call('GET', mutual(bob.userId), undefined, { noAuth: true });
  assert.deepEqual([anonymous.status, (anonymous.body as { errcode: string }).errcode], [401, 'M_MISSING_TOKEN']);
});
