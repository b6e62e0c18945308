/** Filters: stored and inline, their errors, and the filter features clients rely on in /sync. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertError,
  bodies,
  call,
  createRoom,
  join,
  leave,
  message,
  stateKeysOf,
  sync,
  syncPath,
  syncUnvalidated,
  twoUsers,
} from './syncTestKit.ts';

test('filters are stored, read back, reused for identical uploads, and used by /sync by ID', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const filter = { room: { timeline: { limit: 1, types: ['m.room.message'] } }, event_fields: ['type', 'content.body', 'event_id'] };
  const created = await call(hs, alice, 'POST', `/user/${encodeURIComponent(alice.userId)}/filter`, { body: filter });
  assert.equal(created.status, 200, created.text);
  const filterId = (created.body as { filter_id: string }).filter_id;
  assert.ok(!filterId.startsWith('{'));
  const again = await call(hs, alice, 'POST', `/user/${encodeURIComponent(alice.userId)}/filter`, { body: filter });
  assert.equal((again.body as { filter_id: string }).filter_id, filterId);
  const other = await call(hs, alice, 'POST', `/user/${encodeURIComponent(alice.userId)}/filter`, { body: { room: { include_leave: true } } });
  assert.notEqual((other.body as { filter_id: string }).filter_id, filterId);

  const read = await call(hs, alice, 'GET', `/user/${encodeURIComponent(alice.userId)}/filter/${filterId}`);
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, filter);

  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  await message(hs, roomId, alice.userId, 'first');
  await message(hs, roomId, alice.userId, 'second');
  // event_fields leaves out fields the client event schema requires, as asked: not validated against it.
  const body = await syncUnvalidated(hs, alice, { filter: filterId });
  const timeline = body.rooms.join[roomId]!.timeline;
  assert.deepEqual(timeline.events, [{ type: 'm.room.message', content: { body: 'second' }, event_id: timeline.events[0]!.event_id }]);
  assert.equal(timeline.limited, true);
});

test('filter errors: other users, unknown IDs, bad JSON, wrong shapes', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const aliceFilter = `/user/${encodeURIComponent(alice.userId)}/filter`;
  const created = await call(hs, alice, 'POST', aliceFilter, { body: {} });
  const filterId = (created.body as { filter_id: string }).filter_id;

  assertError(await call(hs, bob, 'POST', aliceFilter, { body: {} }), 403, 'M_FORBIDDEN');
  assertError(await call(hs, bob, 'GET', `${aliceFilter}/${filterId}`), 403, 'M_FORBIDDEN');
  assertError(await call(hs, alice, 'GET', `${aliceFilter}/999`), 404, 'M_NOT_FOUND');
  assertError(await call(hs, alice, 'GET', `${aliceFilter}/notanumber`), 404, 'M_NOT_FOUND');
  assertError(await call(hs, alice, 'POST', aliceFilter, { rawBody: '{"room":' }), 400, 'M_NOT_JSON');
  assertError(await call(hs, alice, 'POST', aliceFilter, { rawBody: '' }), 400, 'M_NOT_JSON');
  for (const bad of [
    { room: { timeline: { limit: 'ten' } } },
    { room: { timeline: { limit: -1 } } },
    { room: { timeline: { types: 'm.room.message' } } },
    { room: { timeline: { senders: ['notauser'] } } },
    { room: { rooms: ['#alias:hs.test'] } },
    { room: { include_leave: 'yes' } },
    { room: { state: { lazy_load_members: 1 } } },
    { event_format: 'xml' },
    { event_fields: [1] },
    { presence: [] },
  ]) {
    assertError(await call(hs, alice, 'POST', aliceFilter, { body: bad }), 400, 'M_BAD_JSON');
  }

  // /sync: another user's filter ID is simply unknown for this user; bad inline JSON; bad inline shape.
  const bobsView = await call(hs, bob, 'GET', syncPath({ filter: filterId }));
  assertError(bobsView, 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'GET', syncPath({ filter: '12345' })), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'GET', syncPath({ filter: 'abc' })), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'GET', syncPath({ filter: '{"room":' })), 400, 'M_NOT_JSON');
  assertError(await call(hs, alice, 'GET', syncPath({ filter: { room: { timeline: { limit: 'x' } } } })), 400, 'M_BAD_JSON');
  // The stored filter works for its owner.
  assert.equal((await call(hs, alice, 'GET', syncPath({ filter: filterId }))).status, 200);
});

test('inline filters: rooms / not_rooms, types and senders with wildcards', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const one = await createRoom(hs, alice.userId);
  const two = await createRoom(hs, alice.userId);
  for (const roomId of [one, two]) await join(hs, roomId, bob.userId);
  await message(hs, one, alice.userId, 'from alice');
  await message(hs, one, bob.userId, 'from bob');
  await hs.homeserver.eventCreation.send({ roomId: one, sender: alice.userId, type: 'org.example.custom', content: { x: 1 } });

  const onlyOne = await sync(hs, bob, { filter: { room: { rooms: [one] } } });
  assert.deepEqual(Object.keys(onlyOne.rooms.join), [one]);
  const notOne = await sync(hs, bob, { filter: { room: { not_rooms: [one] } } });
  assert.deepEqual(Object.keys(notOne.rooms.join), [two]);
  const excludedWins = await sync(hs, bob, { filter: { room: { rooms: [one], not_rooms: [one] } } });
  assert.deepEqual(Object.keys(excludedWins.rooms.join), []);

  const wildcard = await sync(hs, bob, { filter: { room: { rooms: [one], timeline: { types: ['m.room.mess*', 'org.*'] } } } });
  assert.deepEqual(
    wildcard.rooms.join[one]!.timeline.events.map((e) => e.type),
    ['m.room.message', 'm.room.message', 'org.example.custom'],
  );
  const notTypes = await sync(hs, bob, { filter: { room: { rooms: [one], timeline: { not_types: ['m.*'] } } } });
  assert.deepEqual(notTypes.rooms.join[one]!.timeline.events.map((e) => e.type), ['org.example.custom']);
  const senders = await sync(hs, bob, { filter: { room: { rooms: [one], timeline: { senders: [bob.userId], types: ['m.room.message'] } } } });
  assert.deepEqual(bodies(senders.rooms.join[one]!.timeline.events), ['from bob']);
  const notSenders = await sync(hs, bob, { filter: { room: { rooms: [one], timeline: { not_senders: [alice.userId] } } } });
  assert.ok(notSenders.rooms.join[one]!.timeline.events.every((e) => e.sender === bob.userId));
  // A state filter applies to state too.
  const stateTypes = await sync(hs, bob, { filter: { room: { rooms: [one], timeline: { limit: 1 }, state: { types: ['m.room.create'] } } } });
  assert.deepEqual(stateTypes.rooms.join[one]!.state.events.map((e) => e.type), ['m.room.create']);
});

test('lazy-loaded members: timeline senders, yourself, no redundant repeats, gap changes always', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  // A named room has no heroes, so only senders and the user themself count.
  const roomId = await createRoom(hs, alice.userId, { name: 'Lazy' });
  const others = ['carol', 'dan', 'erin'].map((n) => `@${n}:hs.test`);
  await join(hs, roomId, bob.userId);
  for (const user of others) await join(hs, roomId, user);
  await message(hs, roomId, others[0]!, 'carol speaks');
  await message(hs, roomId, others[1]!, 'dan speaks');
  const lazy = { room: { state: { lazy_load_members: true }, timeline: { limit: 2 } } };

  const first = await sync(hs, bob, { filter: lazy });
  const room = first.rooms.join[roomId]!;
  assert.deepEqual(bodies(room.timeline.events), ['carol speaks', 'dan speaks']);
  // Senders of the timeline and bob himself.
  assert.deepEqual(stateKeysOf(room.state.events, 'm.room.member'), [bob.userId, others[0]!, others[1]!].sort());
  assert.deepEqual(room.summary, { 'm.joined_member_count': 5, 'm.invited_member_count': 0 });

  // Carol speaks again: her member event was already sent, so it is redundant...
  await message(hs, roomId, others[0]!, 'carol again');
  const second = await sync(hs, bob, { since: first.next_batch, filter: lazy });
  assert.deepEqual(stateKeysOf(second.rooms.join[roomId]!.state.events, 'm.room.member'), []);
  // ...unless redundant members are asked for.
  await message(hs, roomId, others[0]!, 'carol thrice');
  const redundant = await sync(hs, bob, { since: second.next_batch, filter: { room: { state: { lazy_load_members: true, include_redundant_members: true } } } });
  assert.deepEqual(stateKeysOf(redundant.rooms.join[roomId]!.state.events, 'm.room.member'), [others[0]]);

  // Erin changes her name in a gap that the limited timeline does not show: that member change must come.
  await join(hs, roomId, others[2]!, { displayname: 'Erin' });
  for (let i = 0; i < 3; i++) await message(hs, roomId, alice.userId, `filler${i}`);
  const gap = await sync(hs, bob, { since: redundant.next_batch, filter: lazy });
  const gapRoom = gap.rooms.join[roomId]!;
  assert.equal(gapRoom.timeline.limited, true);
  const erin = gapRoom.state.events.find((e) => e.type === 'm.room.member' && e.state_key === others[2]);
  assert.equal(erin?.content.displayname, 'Erin');
});

test('lazy-loaded members include the heroes of a room without a name', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, '@carol:hs.test');
  await join(hs, roomId, bob.userId);
  await message(hs, roomId, bob.userId, 'only bob speaks');
  const body = await sync(hs, bob, { filter: { room: { state: { lazy_load_members: true }, timeline: { limit: 1 } } } });
  const room = body.rooms.join[roomId]!;
  assert.deepEqual(room.summary?.['m.heroes'], [alice.userId, '@carol:hs.test']);
  assert.deepEqual(stateKeysOf(room.state.events, 'm.room.member'), [alice.userId, bob.userId, '@carol:hs.test']);
});

test('include_leave shows rooms the user left on an initial sync', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const leaveId = await leave(hs, roomId, bob.userId);
  const without = await sync(hs, bob);
  assert.deepEqual(Object.keys(without.rooms.leave), [], 'a voluntary leave is not shown by default');
  const withLeave = await sync(hs, bob, { filter: { room: { include_leave: true } } });
  assert.equal(withLeave.rooms.leave[roomId]!.timeline.events.at(-1)!.event_id, leaveId);
});

test('event_format federation returns the PDUs; account_data and presence filters apply', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const eventId = await message(hs, roomId, alice.userId, 'pdu');
  // PDUs are not client events (room v11 PDUs have no event_id): not validated against the client schema.
  const fed = await syncUnvalidated(hs, bob, { filter: { event_format: 'federation', room: { timeline: { limit: 1 } } } });
  const pdu = fed.rooms.join[roomId]!.timeline.events[0]! as unknown as Record<string, unknown>;
  assert.equal(pdu.room_id, roomId);
  assert.ok(Array.isArray(pdu.prev_events) && Array.isArray(pdu.auth_events) && typeof pdu.hashes === 'object');
  assert.equal(pdu.event_id, undefined, 'room v11 PDUs carry no event_id');
  assert.ok(eventId);

  for (const type of ['org.example.a', 'org.example.b']) {
    const res = await call(hs, bob, 'PUT', `/user/${encodeURIComponent(bob.userId)}/account_data/${type}`, { body: { v: type } });
    assert.equal(res.status, 200, res.text);
  }
  const filtered = await sync(hs, bob, { filter: { account_data: { not_types: ['org.example.b', 'm.push_rules'] }, presence: { types: ['nothing'] } } });
  assert.deepEqual(filtered.account_data.events.map((e) => e.type), ['org.example.a']);
  assert.deepEqual(filtered.presence.events, []);
});
