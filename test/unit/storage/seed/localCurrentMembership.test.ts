/**
 * SEED-BEHAVIOURS.md §6: local users' membership survives the server leaving a room.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../../support/storageFixture.ts';
import { buildEvent } from '../../../../core/events/eventBuilder.ts';
import { getRoomVersion } from '../../../../core/events/roomVersions.ts';
import { NotLocalUserError } from '../../../../core/storage/databases/main/roomMembersReadStore.ts';

const alice = '@alice:hs.test';
const bob = '@bob:remote.test';

test('§6 Alice joins a remote room, leaves, the server drops out: current state is gone, [leave] still lists the room', async (t) => {
  const fx = openStorageFixture(t);
  const remote = fx.remote('remote.test').handler;
  const roomId = '!remoteroom:remote.test';
  await remote.send({ roomId, sender: bob, type: 'm.room.create', stateKey: '', content: { room_version: '11' }, roomVersion: '11' });
  await remote.send({ roomId, sender: bob, type: 'm.room.member', stateKey: bob, content: { membership: 'join' } });
  await remote.send({ roomId, sender: bob, type: 'm.room.join_rules', stateKey: '', content: { join_rule: 'public' } });
  await fx.join(roomId, alice);
  const { roomState, members } = fx.storage.stores;
  assert.ok((await roomState.getCurrentStateIds(roomId)).size >= 4);
  assert.deepEqual(await members.getRoomsForUser(alice), [roomId]);

  const leave = await fx.leave(roomId, alice);
  assert.equal((await roomState.getCurrentStateIds(roomId)).size, 0, 'current state is gone');
  assert.equal(fx.storage.stores.roomState.roomsWithCurrentState().includes(roomId), false);
  assert.deepEqual(await members.getRoomsForUser(alice), []);
  assert.deepEqual(await members.getUsersInRoom(roomId), []);
  const left = members.getRoomsForLocalUserWhereMembershipIs(alice, ['leave']);
  assert.deepEqual(left.map((m) => [m.roomId, m.eventId, m.membership]), [[roomId, leave.event.eventId, 'leave']]);
  assert.deepEqual(members.getRoomsForLocalUserWhereMembershipIs(alice, ['join']), []);
});

test('§6 a remote invite for a room we are not in is listed with its inviter and disappears after rejection', async (t) => {
  const fx = openStorageFixture(t);
  const { signer } = fx.remote('remote.test');
  const v11 = getRoomVersion('11');
  const invite = (roomId: string) =>
    buildEvent(
      { type: 'm.room.member', roomId, sender: bob, stateKey: alice, content: { membership: 'invite' }, prevEvents: [], authEventIds: ['$create:remote.test'] },
      v11,
      signer,
    );
  const { members, events } = fx.storage.stores;

  // Rejected through the inviting server: its leave event arrives as an outlier too.
  const first = invite('!invited1:remote.test');
  await fx.persistOutlier(first);
  const invites = members.getRoomsForLocalUserWhereMembershipIs(alice, ['invite']);
  assert.deepEqual(invites.map((m) => m.roomId), ['!invited1:remote.test']);
  assert.equal((await events.getEvent(invites[0]!.eventId))?.event.sender, bob, 'listed with its inviter');
  const rejection = buildEvent(
    { type: 'm.room.member', roomId: '!invited1:remote.test', sender: alice, stateKey: alice, content: { membership: 'leave' }, prevEvents: [], authEventIds: [first.eventId] },
    v11,
    { serverName: 'hs.test', signingKey: fx.dataDir.signingKey },
  );
  await fx.persistOutlier(rejection);
  assert.deepEqual(members.getRoomsForLocalUserWhereMembershipIs(alice, ['invite']), []);
  assert.deepEqual(members.getRoomsForLocalUserWhereMembershipIs(alice, ['leave']).map((m) => m.eventId), [rejection.eventId]);

  // Rejected locally (inviting server unreachable): the row is deleted.
  await fx.persistOutlier(invite('!invited2:remote.test'));
  assert.equal(members.getRoomsForLocalUserWhereMembershipIs(alice, ['invite']).length, 1);
  assert.equal(await fx.storage.persistence!.locallyRejectInvite(alice, '!invited2:remote.test'), true);
  assert.deepEqual(members.getRoomsForLocalUserWhereMembershipIs(alice, ['invite']), []);
  assert.equal(members.getLocalMembership(alice, '!invited2:remote.test'), null);
  // Outliers never touch current state.
  assert.equal((await fx.storage.stores.roomState.getCurrentStateIds('!invited2:remote.test')).size, 0);
});

test('§6 remote members never get rows', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom(alice);
  const remote = fx.remote('remote.test').handler;
  await remote.send({ roomId, sender: bob, type: 'm.room.member', stateKey: bob, content: { membership: 'join' } });
  assert.deepEqual(await fx.storage.stores.members.getUsersInRoom(roomId), [alice, bob]);
  assert.deepEqual(fx.storage.stores.members.localMembershipsInRoom(roomId).map((r) => r.userId), [alice]);
  assert.throws(() => fx.storage.stores.members.getRoomsForLocalUserWhereMembershipIs(bob, ['join']), NotLocalUserError);
});

test('§6 join, leave, rejoin leaves one row', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom('@owner:hs.test');
  await fx.join(roomId, alice);
  await fx.leave(roomId, alice);
  const rejoin = await fx.join(roomId, alice);
  const rows = fx.storage.stores.members.localMembershipsInRoom(roomId).filter((r) => r.userId === alice);
  assert.deepEqual(rows, [{ userId: alice, membership: 'join', eventId: rejoin.event.eventId }]);
});

test('§6 forgotten rooms are hidden from the membership query', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom('@owner:hs.test');
  await fx.join(roomId, alice);
  await fx.leave(roomId, alice);
  const { members, membershipsWriter } = fx.storage.stores;
  assert.equal(members.getRoomsForLocalUserWhereMembershipIs(alice, ['leave']).length, 1);
  membershipsWriter.forgetRoom(alice, roomId);
  assert.deepEqual(members.getRoomsForLocalUserWhereMembershipIs(alice, ['leave']), []);
});
