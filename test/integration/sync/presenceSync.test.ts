/** Presence: the status endpoints, `set_presence` on /sync, and presence of room-mates in /sync. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, createRoom, join, message, sync, syncPath, twoUsers } from './syncTestKit.ts';

const statusPath = (userId: string) => `/presence/${encodeURIComponent(userId)}/status`;

test('set and get your own presence; others see it only when sharing a room', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  assert.equal((await call(hs, alice, 'PUT', statusPath(alice.userId), { body: { presence: 'online', status_msg: 'Working' } })).status, 200);
  const own = await call(hs, alice, 'GET', statusPath(alice.userId));
  assert.equal(own.status, 200);
  const content = own.body as { presence: string; status_msg: string; last_active_ago: number; currently_active: boolean };
  assert.deepEqual([content.presence, content.status_msg, content.currently_active], ['online', 'Working', true]);
  assert.ok(content.last_active_ago >= 0);

  assertError(await call(hs, bob, 'GET', statusPath(alice.userId)), 403, 'M_FORBIDDEN');
  assertError(await call(hs, bob, 'GET', statusPath('@nobody:hs.test')), 404, 'M_NOT_FOUND');
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const seen = await call(hs, bob, 'GET', statusPath(alice.userId));
  assert.equal((seen.body as { presence: string }).presence, 'online');

  // An absent status message clears it.
  await call(hs, alice, 'PUT', statusPath(alice.userId), { body: { presence: 'unavailable' } });
  assert.deepEqual(Object.keys((await call(hs, alice, 'GET', statusPath(alice.userId))).body as object).sort(), ['last_active_ago', 'presence']);
});

test('presence errors', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  assertError(await call(hs, bob, 'PUT', statusPath(alice.userId), { body: { presence: 'online' } }), 403, 'M_FORBIDDEN');
  assertError(await call(hs, alice, 'PUT', statusPath(alice.userId), { body: { presence: 'busy' } }), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'PUT', statusPath(alice.userId), { body: {} }), 400, 'M_MISSING_PARAM');
  assertError(await call(hs, alice, 'PUT', statusPath(alice.userId), { body: { presence: 'online', status_msg: 5 } }), 400, 'M_BAD_JSON');
  assertError(await call(hs, alice, 'PUT', statusPath(alice.userId), { rawBody: '{' }), 400, 'M_NOT_JSON');
  assertError(await call(hs, alice, 'GET', syncPath({ set_presence: 'busy' })), 400, 'M_INVALID_PARAM');
});

test('syncing sets presence (unless set_presence=offline), room-mates see it, and changes wake their long-poll', { timeout: 25_000 }, async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);

  await sync(hs, alice, { set_presence: 'offline' });
  assert.equal(((await call(hs, alice, 'GET', statusPath(alice.userId))).body as { presence: string }).presence, 'offline');
  await sync(hs, alice);
  assert.equal(((await call(hs, alice, 'GET', statusPath(alice.userId))).body as { presence: string }).presence, 'online');

  const bobStart = await sync(hs, bob, { set_presence: 'offline' });
  const alicePresence = bobStart.presence.events.find((e) => e.sender === alice.userId);
  assert.equal(alicePresence?.type, 'm.presence');
  assert.equal(alicePresence?.content.presence, 'online');
  assert.equal(typeof alicePresence?.content.last_active_ago, 'number');

  const waiting = sync(hs, bob, { since: bobStart.next_batch, timeout: 30_000, set_presence: 'offline' });
  while (hs.homeserver.notifier.listenerCount < 1) await new Promise((r) => setTimeout(r, 5));
  await sync(hs, alice, { set_presence: 'unavailable' });
  const changed = await waiting;
  assert.deepEqual(
    changed.presence.events.map((e) => [e.sender, e.content.presence]),
    [[alice.userId, 'unavailable']],
  );

  // Activity (sending a message) brings an idle user back online.
  await message(hs, roomId, alice.userId, 'back');
  const back = await sync(hs, bob, { since: changed.next_batch, set_presence: 'offline' });
  assert.deepEqual(
    back.presence.events.map((e) => [e.sender, e.content.presence]),
    [[alice.userId, 'online']],
  );
  // A presence filter can leave senders out.
  const filtered = await sync(hs, bob, { set_presence: 'offline', filter: { presence: { not_senders: [alice.userId] } } });
  assert.ok(filtered.presence.events.every((e) => e.sender !== alice.userId));
});
