/** /sync of joined rooms over real HTTP: initial and incremental, state vs timeline, summaries, limited timelines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoomToken } from '../../../core/handlers/events/roomPaginationToken.ts';
import {
  bodies,
  call,
  createRoom,
  ids,
  invite,
  join,
  leave,
  message,
  state,
  stateKeysOf,
  sync,
  twoUsers,
} from './syncTestKit.ts';

test('initial sync of a room: state at the timeline start, the latest events, summary, next_batch', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  for (let i = 1; i <= 3; i++) await message(hs, roomId, alice.userId, `m${i}`);

  const body = await sync(hs, bob, { filter: { room: { timeline: { limit: 2 } } } });
  assert.match(body.next_batch, /^s\d+(_\d+){7}$/);
  const room = body.rooms.join[roomId]!;
  assert.ok(room, 'the joined room is in rooms.join');
  assert.deepEqual(bodies(room.timeline.events), ['m2', 'm3']);
  assert.equal(room.timeline.limited, true);
  // State is the full state before the timeline: create, both members, power levels, join rules; never timeline events.
  const stateTypes = room.state.events.map((e) => e.type).sort();
  assert.deepEqual(stateTypes, ['m.room.create', 'm.room.join_rules', 'm.room.member', 'm.room.member', 'm.room.power_levels']);
  assert.deepEqual(stateKeysOf(room.state.events, 'm.room.member'), [alice.userId, bob.userId]);
  const timelineIds = new Set(ids(room.timeline.events));
  assert.ok(room.state.events.every((e) => !timelineIds.has(e.event_id)));
  assert.ok(room.timeline.events.every((e) => e.room_id === undefined), 'room_id is left out inside a room');
  assert.deepEqual(room.summary, { 'm.joined_member_count': 2, 'm.invited_member_count': 0, 'm.heroes': [alice.userId] });
  assert.deepEqual(room.unread_notifications, { notification_count: 3, highlight_count: 0 });

  // A fresh room whose whole history fits in the timeline has no separate state, and is not limited.
  const small = await createRoom(hs, bob.userId);
  const again = await sync(hs, bob);
  const smallRoom = again.rooms.join[small]!;
  assert.equal(smallRoom.timeline.limited, false);
  assert.deepEqual(smallRoom.state.events, []);
  assert.deepEqual(
    smallRoom.timeline.events.map((e) => e.type),
    ['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.room.join_rules'],
  );
});

test('incremental sync returns exactly the new events, and an unchanged next_batch when nothing happened', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  await message(hs, roomId, alice.userId, 'before');
  const first = await sync(hs, bob);

  const nothing = await sync(hs, bob, { since: first.next_batch });
  assert.equal(nothing.next_batch, first.next_batch);
  assert.deepEqual(nothing.rooms.join, {});

  const sent = [await message(hs, roomId, alice.userId, 'one'), await message(hs, roomId, bob.userId, 'two')];
  const second = await sync(hs, bob, { since: first.next_batch });
  assert.notEqual(second.next_batch, first.next_batch);
  const room = second.rooms.join[roomId]!;
  assert.deepEqual(ids(room.timeline.events), sent);
  assert.equal(room.timeline.limited, false);
  assert.deepEqual(room.state.events, []);
  assert.equal(room.summary, undefined, 'no summary when membership did not change');

  const third = await sync(hs, bob, { since: second.next_batch });
  assert.deepEqual(third.rooms.join, {});
  assert.equal(third.next_batch, second.next_batch);
});

test('the sender sees transaction_id on their own events; others do not', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const start = await sync(hs, alice);
  const eventId = await message(hs, roomId, alice.userId, 'hi', { deviceId: alice.deviceId, txnId: 'txn1' });
  const mine = (await sync(hs, alice, { since: start.next_batch })).rooms.join[roomId]!.timeline.events.find((e) => e.event_id === eventId)!;
  assert.equal(mine.unsigned?.transaction_id, 'txn1');
  const theirs = (await sync(hs, bob)).rooms.join[roomId]!.timeline.events.find((e) => e.event_id === eventId)!;
  assert.equal(theirs.unsigned?.transaction_id, undefined);
});

test('a limited incremental sync: the gap state delta, and prev_batch usable as a /messages token', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const first = await sync(hs, bob);
  const sinceEvents = parseRoomToken(first.next_batch, 'since').stream;

  // The sync token is itself a room token: /messages accepts it.
  assert.equal(parseRoomToken(first.next_batch).topological, null);

  await message(hs, roomId, alice.userId, 'gap1');
  await state(hs, roomId, alice.userId, 'm.room.topic', '', { topic: 'in the gap' });
  for (let i = 0; i < 5; i++) await message(hs, roomId, alice.userId, `late${i}`);

  const body = await sync(hs, bob, { since: first.next_batch, filter: { room: { timeline: { limit: 3 } } } });
  const room = body.rooms.join[roomId]!;
  assert.equal(room.timeline.limited, true);
  assert.deepEqual(bodies(room.timeline.events), ['late2', 'late3', 'late4']);
  // The topic changed in the gap: it comes as state (the state delta up to the timeline start).
  assert.deepEqual(
    room.state.events.map((e) => [e.type, e.content.topic]),
    [['m.room.topic', 'in the gap']],
  );
  const prev = parseRoomToken(room.timeline.prev_batch);
  assert.ok(prev.stream > sinceEvents, 'prev_batch is after since: there is a gap');

  // /messages from prev_batch back to since returns exactly the gap's events.
  const gap = await call(
    hs,
    bob,
    'GET',
    `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&from=${encodeURIComponent(room.timeline.prev_batch)}&to=${encodeURIComponent(first.next_batch)}&limit=50`,
  );
  assert.equal(gap.status, 200, gap.text);
  const chunk = (gap.body as { chunk: { type: string; content: { body?: string } }[] }).chunk;
  assert.deepEqual(
    chunk.map((e) => e.content.body ?? e.type),
    ['late1', 'late0', 'm.room.topic', 'gap1'],
  );
});

test('full_state resends the whole state with an incremental timeline', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const first = await sync(hs, bob);
  await message(hs, roomId, alice.userId, 'new');
  const body = await sync(hs, bob, { since: first.next_batch, full_state: true, timeout: 30_000 });
  const room = body.rooms.join[roomId]!;
  assert.deepEqual(bodies(room.timeline.events), ['new']);
  assert.deepEqual(stateKeysOf(room.state.events, 'm.room.member'), [alice.userId, bob.userId]);
  assert.ok(room.state.events.some((e) => e.type === 'm.room.create'));
  assert.ok(room.summary, 'full state comes with a summary');
});

test('a room joined after since arrives with full state, recent history and a summary', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId, { name: 'Named' });
  await message(hs, roomId, alice.userId, 'history');
  const first = await sync(hs, bob);
  assert.equal(first.rooms.join[roomId], undefined);
  await join(hs, roomId, bob.userId);
  const body = await sync(hs, bob, { since: first.next_batch });
  const room = body.rooms.join[roomId]!;
  assert.ok(room, 'newly joined room');
  assert.deepEqual(bodies(room.timeline.events), ['history'], 'shared history before the join is visible');
  assert.equal(room.timeline.events.at(-1)!.state_key, bob.userId);
  const stateAndTimeline = [...room.state.events, ...room.timeline.events];
  assert.ok(stateAndTimeline.some((e) => e.type === 'm.room.create'));
  assert.ok(stateAndTimeline.some((e) => e.type === 'm.room.name'));
  assert.deepEqual(room.summary, { 'm.joined_member_count': 2, 'm.invited_member_count': 0 }, 'a named room has no heroes');
});

test('summary counts invited members and lists heroes without the viewer', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await invite(hs, roomId, alice.userId, bob.userId);
  await invite(hs, roomId, alice.userId, '@carol:hs.test');
  const body = await sync(hs, alice);
  assert.deepEqual(body.rooms.join[roomId]!.summary, {
    'm.joined_member_count': 1,
    'm.invited_member_count': 2,
    'm.heroes': [bob.userId, '@carol:hs.test'],
  });
  // When everyone else has left, heroes are the former members.
  await join(hs, roomId, bob.userId);
  await leave(hs, roomId, bob.userId);
  const later = await sync(hs, alice, { since: body.next_batch });
  assert.deepEqual(later.rooms.join[roomId]!.summary, { 'm.joined_member_count': 1, 'm.invited_member_count': 1, 'm.heroes': ['@carol:hs.test'] });
});
