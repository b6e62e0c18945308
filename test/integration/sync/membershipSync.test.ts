/** Invites, knocks of the past, leaves, kicks and bans in the right /sync sections, also after the server left the room. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent } from '../../../core/events/eventBuilder.ts';
import { getRoomVersion } from '../../../core/events/roomVersions.ts';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { OUTLIER_CONTEXT } from '../../../core/state/eventContext.ts';
import { bodies, call, createRoom, ids, invite, join, leave, message, state, sync, twoUsers, type RunningHomeserver } from './syncTestKit.ts';

test('an invite appears with stripped state, is not repeated, and moves to join once accepted', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId, { name: 'Invitation' });
  await state(hs, roomId, alice.userId, 'm.room.encryption', '', { algorithm: 'm.megolm.v1.aes-sha2' });
  await message(hs, roomId, alice.userId, 'secret history');
  const before = await sync(hs, bob);
  const inviteId = await invite(hs, roomId, alice.userId, bob.userId);

  const body = await sync(hs, bob, { since: before.next_batch });
  const stripped = body.rooms.invite[roomId]!.invite_state.events;
  assert.deepEqual(
    stripped.map((e) => [e.type, e.state_key]),
    [
      ['m.room.create', ''],
      ['m.room.join_rules', ''],
      ['m.room.name', ''],
      ['m.room.encryption', ''],
      ['m.room.member', alice.userId],
      ['m.room.member', bob.userId],
    ],
  );
  assert.ok(stripped.every((e) => Object.keys(e).sort().join() === 'content,sender,state_key,type'), 'stripped events carry four keys');
  assert.deepEqual(stripped.at(-1), { type: 'm.room.member', state_key: bob.userId, sender: alice.userId, content: { membership: 'invite' } });
  assert.deepEqual(body.rooms.join, {});
  assert.ok(inviteId);

  const initial = await sync(hs, bob);
  assert.ok(initial.rooms.invite[roomId], 'an initial sync lists pending invites');
  const quiet = await sync(hs, bob, { since: body.next_batch });
  assert.deepEqual(quiet.rooms.invite, {});

  await join(hs, roomId, bob.userId);
  const joined = await sync(hs, bob, { since: body.next_batch });
  assert.deepEqual(joined.rooms.invite, {});
  assert.ok(joined.rooms.join[roomId]);
});

test('a knock appears in knock with stripped state', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId, { joinRule: 'knock', name: 'Knock knock' });
  const before = await sync(hs, bob);
  await state(hs, roomId, bob.userId, 'm.room.member', bob.userId, { membership: 'knock' });
  const body = await sync(hs, bob, { since: before.next_batch });
  const knockState = (body.rooms.knock[roomId] as { knock_state: { events: { type: string; state_key: string; content: { membership?: string } }[] } }).knock_state.events;
  assert.deepEqual(
    knockState.map((e) => e.type),
    ['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.member'],
  );
  assert.equal(knockState.at(-1)!.content.membership, 'knock');
  assert.ok((await sync(hs, bob)).rooms.knock[roomId], 'an initial sync lists pending knocks');
});

test('invites from ignored users are hidden', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const res = await call(hs, bob, 'PUT', `/user/${encodeURIComponent(bob.userId)}/account_data/m.ignored_user_list`, {
    body: { ignored_users: { [alice.userId]: {} } },
  });
  assert.equal(res.status, 200, res.text);
  const roomId = await createRoom(hs, alice.userId);
  await invite(hs, roomId, alice.userId, bob.userId);
  assert.deepEqual((await sync(hs, bob)).rooms.invite, {});
});

test('leaving: the room moves to leave up to the leave event, once, and later events stay hidden', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const before = await sync(hs, bob);
  await message(hs, roomId, alice.userId, 'before leaving');
  const leaveId = await leave(hs, roomId, bob.userId);
  await message(hs, roomId, alice.userId, 'after leaving');

  const body = await sync(hs, bob, { since: before.next_batch });
  assert.deepEqual(body.rooms.join, {});
  const left = body.rooms.leave[roomId]!;
  assert.deepEqual(left.timeline.events.map((e) => e.content.body ?? e.type), ['before leaving', 'm.room.member']);
  assert.equal(left.timeline.events.at(-1)!.event_id, leaveId);

  const later = await sync(hs, bob, { since: body.next_batch });
  assert.deepEqual(later.rooms.leave, {});
  assert.deepEqual(later.rooms.join, {});
});

test('kicks and bans show on an initial sync without include_leave; voluntary leaves do not', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const kicked = await createRoom(hs, alice.userId);
  const banned = await createRoom(hs, alice.userId);
  const left = await createRoom(hs, alice.userId);
  for (const roomId of [kicked, banned, left]) await join(hs, roomId, bob.userId);
  await state(hs, kicked, alice.userId, 'm.room.member', bob.userId, { membership: 'leave', reason: 'bye' });
  await state(hs, banned, alice.userId, 'm.room.member', bob.userId, { membership: 'ban' });
  await leave(hs, left, bob.userId);
  const body = await sync(hs, bob);
  assert.deepEqual(Object.keys(body.rooms.leave).sort(), [banned, kicked].sort());
  assert.equal(body.rooms.leave[banned]!.timeline.events.at(-1)!.content.membership, 'ban');
});

test('a room the server left is still in leave for its former members; forgotten rooms disappear', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  await message(hs, roomId, bob.userId, 'last words');
  const before = await sync(hs, bob);
  const bobLeave = await leave(hs, roomId, bob.userId);
  await leave(hs, roomId, alice.userId);
  assert.equal((await hs.homeserver.storage.stores.roomState.getCurrentStateIds(roomId)).size, 0, 'the server is no longer in the room');

  const incremental = await sync(hs, bob, { since: before.next_batch });
  assert.deepEqual(ids(incremental.rooms.leave[roomId]!.timeline.events), [bobLeave]);
  const archived = await sync(hs, bob, { filter: { room: { include_leave: true } } });
  const room = archived.rooms.leave[roomId]!;
  assert.equal(room.timeline.events.at(-1)!.event_id, bobLeave);
  assert.deepEqual(bodies(room.timeline.events), ['last words']);
  assert.ok([...room.state.events, ...room.timeline.events].some((e) => e.type === 'm.room.create'));

  hs.homeserver.storage.stores.membershipsWriter.forgetRoom(bob.userId, roomId);
  const forgotten = await sync(hs, bob, { filter: { room: { include_leave: true } } });
  assert.deepEqual(forgotten.rooms.leave, {});
});

/** An invite from a remote server for a room we are not in, as federation stores it: an outlier. */
async function remoteInvite(hs: RunningHomeserver, userId: string): Promise<{ roomId: string; inviteId: string }> {
  const roomId = '!faraway:remote.test';
  const signer = { serverName: 'remote.test', signingKey: SigningKey.generate('remote') };
  const event = buildEvent(
    { type: 'm.room.member', roomId, sender: '@carol:remote.test', stateKey: userId, content: { membership: 'invite' }, prevEvents: [], authEventIds: ['$create:remote.test'] },
    getRoomVersion('11'),
    signer,
  );
  event.internal.outlier = true;
  await hs.homeserver.storage.persistence!.persistEvents([{ event, context: OUTLIER_CONTEXT }]);
  return { roomId, inviteId: event.eventId };
}

test('a remote invite (an outlier) is listed; its rejection shows as a leave whose timeline is the rejection', async (t) => {
  const { hs, bob } = await twoUsers(t);
  const before = await sync(hs, bob);
  const { roomId, inviteId } = await remoteInvite(hs, bob.userId);
  const invited = await sync(hs, bob, { since: before.next_batch });
  assert.deepEqual(invited.rooms.invite[roomId]!.invite_state.events, [
    { type: 'm.room.member', state_key: bob.userId, sender: '@carol:remote.test', content: { membership: 'invite' } },
  ]);

  const rejection = buildEvent(
    { type: 'm.room.member', roomId, sender: bob.userId, stateKey: bob.userId, content: { membership: 'leave' }, prevEvents: [], authEventIds: [inviteId] },
    getRoomVersion('11'),
    { serverName: hs.homeserver.serverName, signingKey: hs.homeserver.dataDirectory.signingKey },
  );
  rejection.internal.outlier = true;
  await hs.homeserver.storage.persistence!.persistEvents([{ event: rejection, context: OUTLIER_CONTEXT }]);
  const rejected = await sync(hs, bob, { since: invited.next_batch });
  assert.deepEqual(rejected.rooms.invite, {});
  assert.deepEqual(ids(rejected.rooms.leave[roomId]!.timeline.events), [rejection.eventId]);
});
