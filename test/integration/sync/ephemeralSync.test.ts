/** Typing notifications, read receipts (public, private, threaded), read markers and unread counts through /sync. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, createRoom, join, message, sync, twoUsers, type JoinedRoom } from './syncTestKit.ts';

function typingOf(room: JoinedRoom | undefined): string[] | undefined {
  const event = room?.ephemeral.events.find((e) => e.type === 'm.typing');
  return event ? (event.content.user_ids as string[]) : undefined;
}

function receiptsOf(room: JoinedRoom | undefined): Record<string, Record<string, Record<string, { ts: number; thread_id?: string }>>> | undefined {
  return room?.ephemeral.events.find((e) => e.type === 'm.receipt')?.content as never;
}

test('typing start and stop reach the other members, waking their long-poll', { timeout: 25_000 }, async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const first = await sync(hs, bob);
  const path = `/rooms/${encodeURIComponent(roomId)}/typing/${encodeURIComponent(alice.userId)}`;

  const waiting = sync(hs, bob, { since: first.next_batch, timeout: 30_000 });
  while (hs.homeserver.notifier.listenerCount < 1) await new Promise((r) => setTimeout(r, 5));
  const start = await call(hs, alice, 'PUT', path, { body: { typing: true, timeout: 30_000 } });
  assert.equal(start.status, 200, start.text);
  const started = await waiting;
  assert.deepEqual(typingOf(started.rooms.join[roomId]), [alice.userId]);
  assert.deepEqual(typingOf((await sync(hs, bob)).rooms.join[roomId]), [alice.userId], 'an initial sync shows who types');

  // Renewing changes nothing; stopping empties the list.
  await call(hs, alice, 'PUT', path, { body: { typing: true, timeout: 30_000 } });
  assert.deepEqual((await sync(hs, bob, { since: started.next_batch })).rooms.join, {});
  await call(hs, alice, 'PUT', path, { body: { typing: false } });
  const stopped = await sync(hs, bob, { since: started.next_batch });
  assert.deepEqual(typingOf(stopped.rooms.join[roomId]), []);
});

test('typing ends by itself after its timeout', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const first = await sync(hs, bob);
  await call(hs, alice, 'PUT', `/rooms/${encodeURIComponent(roomId)}/typing/${encodeURIComponent(alice.userId)}`, { body: { typing: true, timeout: 50 } });
  const started = await sync(hs, bob, { since: first.next_batch });
  assert.deepEqual(typingOf(started.rooms.join[roomId]), [alice.userId]);
  // The expiry is news: a long-poll sees the list empty again.
  const ended = await sync(hs, bob, { since: started.next_batch, timeout: 20_000 });
  assert.deepEqual(typingOf(ended.rooms.join[roomId]), []);
});

test('typing: only joined members, only for themselves, well-formed bodies', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  const path = (room: string, user: string) => `/rooms/${encodeURIComponent(room)}/typing/${encodeURIComponent(user)}`;
  assertError(await call(hs, bob, 'PUT', path(roomId, bob.userId), { body: { typing: true } }), 403, 'M_FORBIDDEN');
  assertError(await call(hs, bob, 'PUT', path('!nowhere:hs.test', bob.userId), { body: { typing: true } }), 403, 'M_FORBIDDEN');
  assertError(await call(hs, alice, 'PUT', path(roomId, bob.userId), { body: { typing: true } }), 403, 'M_FORBIDDEN');
  assertError(await call(hs, alice, 'PUT', path('not-a-room', alice.userId), { body: { typing: true } }), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'PUT', path(roomId, alice.userId), { body: {} }), 400, 'M_MISSING_PARAM');
  assertError(await call(hs, alice, 'PUT', path(roomId, alice.userId), { body: { typing: 'yes' } }), 400, 'M_BAD_JSON');
  assertError(await call(hs, alice, 'PUT', path(roomId, alice.userId), { body: { typing: true, timeout: 'long' } }), 400, 'M_BAD_JSON');
  assertError(await call(hs, alice, 'PUT', path(roomId, alice.userId), { rawBody: 'nope' }), 400, 'M_NOT_JSON');
  assertError(await call(hs, null, 'PUT', path(roomId, alice.userId), { body: { typing: true } }), 401, 'M_MISSING_TOKEN');
});

test('read receipts: public ones reach the room, private ones only their sender; receipts never move back', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const early = await message(hs, roomId, alice.userId, 'one');
  const late = await message(hs, roomId, alice.userId, 'two');
  const aliceStart = await sync(hs, alice);
  const receipt = (type: string, eventId: string, body: unknown = {}) =>
    call(hs, bob, 'POST', `/rooms/${encodeURIComponent(roomId)}/receipt/${type}/${encodeURIComponent(eventId)}`, { body });

  assert.equal((await receipt('m.read', late)).status, 200);
  assert.equal((await receipt('m.read', early)).status, 200, 'an older receipt is accepted and ignored');
  assert.equal((await receipt('m.read.private', late)).status, 200);
  assert.equal((await receipt('m.read', early, { thread_id: 'main' })).status, 200);

  const seenByAlice = receiptsOf((await sync(hs, alice, { since: aliceStart.next_batch })).rooms.join[roomId]);
  assert.deepEqual(Object.keys(seenByAlice ?? {}).sort(), [early, late].sort());
  assert.deepEqual(Object.keys(seenByAlice![late]!), ['m.read'], 'alice never sees bob’s private receipt');
  assert.equal(typeof seenByAlice![late]!['m.read']![bob.userId]!.ts, 'number');
  assert.equal(seenByAlice![early]!['m.read']![bob.userId]!.thread_id, 'main');

  const seenByBob = receiptsOf((await sync(hs, bob)).rooms.join[roomId]);
  assert.deepEqual(Object.keys(seenByBob![late]!).sort(), ['m.read', 'm.read.private']);
  // Bob has read everything.
  assert.deepEqual((await sync(hs, bob)).rooms.join[roomId]!.unread_notifications, { notification_count: 0, highlight_count: 0 });
});

test('receipt errors: not a member, unknown room and event, bad types and thread IDs', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  const eventId = await message(hs, roomId, alice.userId, 'hello');
  const other = await createRoom(hs, alice.userId);
  const otherEvent = await message(hs, other, alice.userId, 'elsewhere');
  const post = (user: typeof alice, room: string, type: string, event: string, body: unknown = {}) =>
    call(hs, user, 'POST', `/rooms/${encodeURIComponent(room)}/receipt/${type}/${encodeURIComponent(event)}`, { body });
  assertError(await post(bob, roomId, 'm.read', eventId), 403, 'M_FORBIDDEN');
  assertError(await post(alice, '!unknown:hs.test', 'm.read', eventId), 403, 'M_FORBIDDEN');
  assertError(await post(alice, roomId, 'm.read', '$missing'), 404, 'M_NOT_FOUND');
  assertError(await post(alice, roomId, 'm.read', otherEvent), 404, 'M_NOT_FOUND');
  assertError(await post(alice, roomId, 'm.read', 'notanevent'), 400, 'M_INVALID_PARAM');
  assertError(await post(alice, roomId, 'm.bogus', eventId), 400, 'M_INVALID_PARAM');
  assertError(await post(alice, roomId, 'm.read', eventId, { thread_id: '' }), 400, 'M_INVALID_PARAM');
  assertError(await post(alice, roomId, 'm.read', eventId, { thread_id: 5 }), 400, 'M_INVALID_PARAM');
  assertError(await post(alice, roomId, 'm.fully_read', eventId, { thread_id: 'main' }), 400, 'M_INVALID_PARAM');
  assertError(await post(alice, 'bad', 'm.read', eventId), 400, 'M_INVALID_PARAM');
});

test('read markers set m.fully_read room account data (forward only) and receipts; m.fully_read is not client-settable', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const first = await message(hs, roomId, alice.userId, 'one');
  const second = await message(hs, roomId, alice.userId, 'two');
  const start = await sync(hs, bob);
  assert.deepEqual(start.rooms.join[roomId]!.unread_notifications, { notification_count: 2, highlight_count: 0 });
  const markers = (body: unknown) => call(hs, bob, 'POST', `/rooms/${encodeURIComponent(roomId)}/read_markers`, { body });

  assert.equal((await markers({ 'm.fully_read': second, 'm.read.private': first })).status, 200);
  const after = await sync(hs, bob, { since: start.next_batch });
  const room = after.rooms.join[roomId]!;
  assert.deepEqual(room.account_data.events, [{ type: 'm.fully_read', content: { event_id: second } }]);
  assert.deepEqual(Object.keys(receiptsOf(room)![first]!), ['m.read.private']);
  assert.deepEqual(room.unread_notifications, { notification_count: 1, highlight_count: 0 });

  // Moving the marker back is ignored; the receipt endpoint takes m.fully_read too.
  assert.equal((await markers({ 'm.fully_read': first })).status, 200);
  const fullyRead = await call(hs, bob, 'GET', `/user/${encodeURIComponent(bob.userId)}/rooms/${encodeURIComponent(roomId)}/account_data/m.fully_read`);
  assert.deepEqual(fullyRead.body, { event_id: second });
  const third = await message(hs, roomId, alice.userId, 'three');
  assert.equal((await call(hs, bob, 'POST', `/rooms/${encodeURIComponent(roomId)}/receipt/m.fully_read/${encodeURIComponent(third)}`, { body: {} })).status, 200);
  assert.deepEqual((await call(hs, bob, 'GET', `/user/${encodeURIComponent(bob.userId)}/rooms/${encodeURIComponent(roomId)}/account_data/m.fully_read`)).body, {
    event_id: third,
  });

  assertError(await markers({ 'm.fully_read': 5 }), 400, 'M_BAD_JSON');
  assertError(await markers({ 'm.read': 'nope' }), 400, 'M_INVALID_PARAM');
  assertError(await markers({ 'm.fully_read': '$missing' }), 404, 'M_NOT_FOUND');
  assertError(await call(hs, alice, 'POST', `/rooms/${encodeURIComponent('!other:hs.test')}/read_markers`, { body: {} }), 403, 'M_FORBIDDEN');
  assertError(
    await call(hs, bob, 'PUT', `/user/${encodeURIComponent(bob.userId)}/rooms/${encodeURIComponent(roomId)}/account_data/m.fully_read`, { body: { event_id: first } }),
    405,
    'M_BAD_JSON',
  );
});
