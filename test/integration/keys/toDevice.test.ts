/**
 * Send-to-device messaging over real HTTP: delivered by /sync in order, deleted once the next sync
 * acknowledges them (and delivered again to a sync that retries an older token), idempotent per sending
 * device and transaction ID, `*` for every device, unknown devices dropped, remote users' messages queued for
 * their server, waiting syncs
 * woken, malformed requests refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHomeserver } from '../../support/testHomeserver.ts';
import { CLIENT, e2eeUser, loginAgain, sync, twoE2eeUsers } from './e2eeTestKit.ts';

const send = (type: string, txn: string) => `${CLIENT}/sendToDevice/${encodeURIComponent(type)}/${encodeURIComponent(txn)}`;

test('a to-device message reaches the device through /sync and is deleted once the next sync acknowledges it', async (t) => {
  const { hs, alice, bob } = await twoE2eeUsers(t);
  const first = await sync(bob.api);
  assert.deepEqual(first.to_device?.events, []);
  await alice.api.ok('PUT', send('m.room_key_request', 'tx1'), { messages: { [bob.user.userId]: { [bob.user.deviceId]: { n: 1 } } } });
  await alice.api.ok('PUT', send('m.room_key_request', 'tx2'), { messages: { [bob.user.userId]: { [bob.user.deviceId]: { n: 2 } } } });

  const got = await sync(bob.api, first.next_batch);
  assert.deepEqual(got.to_device?.events, [
    { type: 'm.room_key_request', sender: alice.user.userId, content: { n: 1 } },
    { type: 'm.room_key_request', sender: alice.user.userId, content: { n: 2 } },
  ]);
  const inbox = hs.homeserver.storage.stores.deviceInbox;
  assert.equal(inbox.pendingCount(bob.user.userId, bob.user.deviceId), 2, 'kept until acknowledged');
  // The response was lost: the client retries with its old token and gets the messages again.
  assert.equal((await sync(bob.api, first.next_batch)).to_device?.events.length, 2);

  const next = await sync(bob.api, got.next_batch);
  assert.deepEqual(next.to_device?.events, []);
  assert.equal(inbox.pendingCount(bob.user.userId, bob.user.deviceId), 0);
});

test('an initial sync delivers pending messages; a retried request (same device, same transaction ID) is delivered once', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  const body = { messages: { [bob.user.userId]: { [bob.user.deviceId]: { once: true } } } };
  await alice.api.ok('PUT', send('m.test', 'same'), body);
  await alice.api.ok('PUT', send('m.test', 'same'), body);
  // Another device of the sender may use the same transaction ID.
  const aliceTablet = await loginAgain(hs, alice.user.userId);
  await aliceTablet.api.ok('PUT', send('m.test', 'same'), body);
  const initial = await sync(bob.api);
  assert.equal(initial.to_device?.events.length, 2);
});

test('`*` reaches every device of the user; a message for a named device wins; unknown devices are dropped; remote users’ go to their server', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  const bobPhone = await loginAgain(hs, bob.user.userId, 'password', 'PHONE');
  await alice.api.ok('PUT', send('m.test', 'w1'), {
    messages: {
      [bob.user.userId]: { '*': { to: 'all' }, PHONE: { to: 'phone' }, GHOST: { to: 'nobody' } },
      '@carol:remote.example': { '*': { to: 'remote' } },
      '@nobody:hs.test': { '*': { to: 'no such user' } },
    },
  });
  assert.deepEqual((await sync(bob.api)).to_device?.events.map((e) => e.content), [{ to: 'all' }]);
  assert.deepEqual((await sync(bobPhone.api)).to_device?.events.map((e) => e.content), [{ to: 'phone' }]);
  assert.equal(hs.homeserver.storage.stores.deviceInbox.pendingCount(bob.user.userId, 'GHOST'), 0);
  const queued = hs.homeserver.storage.stores.db
    .prepare("SELECT content FROM federation_outbox WHERE destination = 'remote.example' AND edu_type = 'm.direct_to_device'")
    .pluck()
    .all() as string[];
  assert.equal(queued.length, 1, 'one EDU for the remote server');
  const edu = JSON.parse(queued[0]!) as { sender: string; type: string; messages: Record<string, unknown> };
  assert.deepEqual([edu.sender, edu.type, edu.messages], [alice.user.userId, 'm.test', { '@carol:remote.example': { '*': { to: 'remote' } } }]);
});

test('a waiting /sync wakes up when a to-device message arrives', async (t) => {
  const { alice, bob } = await twoE2eeUsers(t);
  const first = await sync(bob.api);
  const waiting = sync(bob.api, first.next_batch, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await alice.api.ok('PUT', send('m.wake', 'w'), { messages: { [bob.user.userId]: { [bob.user.deviceId]: { wake: 'up' } } } });
  // Had the wait not been woken, it would have answered (after a minute) without the message.
  assert.deepEqual((await waiting).to_device?.events.map((e) => e.content), [{ wake: 'up' }]);
});

test('malformed /sendToDevice requests are refused', async (t) => {
  const { alice, bob } = await twoE2eeUsers(t);
  await alice.api.fails('PUT', send('m.test', 'a'), {}, 400, 'M_MISSING_PARAM');
  await alice.api.fails('PUT', send('m.test', 'b'), { messages: [] }, 400, 'M_BAD_JSON');
  await alice.api.fails('PUT', send('m.test', 'c'), { messages: { 'not-a-user': {} } }, 400, 'M_INVALID_PARAM');
  await alice.api.fails('PUT', send('m.test', 'd'), { messages: { [bob.user.userId]: [] } }, 400, 'M_BAD_JSON');
  await alice.api.fails('PUT', send('m.test', 'e'), { messages: { [bob.user.userId]: { D: 'text' } } }, 400, 'M_BAD_JSON');
  await alice.api.fails('PUT', send('x'.repeat(300), 'f'), { messages: {} }, 400, 'M_INVALID_PARAM');
  // A refused request does not burn its transaction ID.
  await alice.api.ok('PUT', send('m.test', 'a'), { messages: { [bob.user.userId]: { [bob.user.deviceId]: { ok: true } } } });
  assert.equal((await sync(bob.api)).to_device?.events.length, 1);
});

test('at most 100 to-device messages per /sync: the rest follow in the next ones, in order, none twice', async (t) => {
  const { alice, bob } = await twoE2eeUsers(t);
  const first = await sync(bob.api);
  for (let i = 0; i < 250; i++) {
    await alice.api.ok('PUT', `${CLIENT}/sendToDevice/org.example.n/n${i}`, { messages: { [bob.user.userId]: { [bob.user.deviceId]: { i } } } });
  }
  const received: number[] = [];
  let token = first.next_batch;
  const sizes: number[] = [];
  for (let round = 0; round < 4; round++) {
    // A long timeout: a cut response must come back at once all the same.
    const body = await sync(bob.api, token, round < 3 ? 20_000 : 0);
    const events = body.to_device?.events ?? [];
    sizes.push(events.length);
    received.push(...events.map((e) => e.content.i as number));
    token = body.next_batch;
  }
  assert.deepEqual(sizes, [100, 100, 50, 0]);
  assert.deepEqual(received, Array.from({ length: 250 }, (_, i) => i));
});
