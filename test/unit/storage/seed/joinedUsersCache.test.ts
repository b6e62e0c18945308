/**
 * SEED-BEHAVIOURS.md §1: joined-users caches must not be corrupted by non-membership state keyed by user IDs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture, type StorageFixture } from '../../../support/storageFixture.ts';
import { diffState } from '../../../../core/state/stateMap.ts';
import { hostsOf, type JoinedUsers } from '../../../../core/state/joinedUsers.ts';

const alice = '@alice:hs.test';
const bob = '@bob:hs.test';
const carol = '@carol:hs.test';

async function groupOf(fx: StorageFixture, eventId: string): Promise<number> {
  const group = fx.storage.stores.stateGroups.getStateGroupsForEvents([eventId]).get(eventId);
  assert.ok(group !== undefined, `state group of ${eventId}`);
  return group;
}

/** Joined users at `toEvent`'s group, derived from `fromGroup`'s cached answer plus the delta between them. */
async function joinedViaDelta(fx: StorageFixture, fromGroup: number, toEventId: string): Promise<JoinedUsers> {
  const { stateGroups, members } = fx.storage.stores;
  const toGroup = await groupOf(fx, toEventId);
  const delta = diffState(await stateGroups.getStateForGroup(fromGroup), await stateGroups.getStateForGroup(toGroup));
  return members.getJoinedUsersAfterDelta(toGroup, fromGroup, delta);
}

const sorted = (joined: JoinedUsers) => [...joined.keys()].sort();

async function roomWithBob(t: Parameters<typeof openStorageFixture>[0]) {
  const fx = openStorageFixture(t);
  // Anyone may send state, so Bob can set his own status event.
  const roomId = await fx.createRoom(alice, { stateDefault: 0 });
  const bobJoin = await fx.join(roomId, bob);
  const sg1 = await groupOf(fx, bobJoin.event.eventId);
  const { members } = fx.storage.stores;
  assert.deepEqual(sorted(await members.getJoinedUsersAtStateGroup(sg1)), [alice, bob]);
  return { fx, roomId, sg1 };
}

test('§1.1 a custom state event keyed by @bob does not drop Bob (delta from a primed SG1)', async (t) => {
  const { fx, roomId, sg1 } = await roomWithBob(t);
  const cache = fx.storage.stores.members.getJoinedUsersAtStateGroup;
  const missesBefore = cache.stats.misses;
  const status = await fx.state(roomId, bob, 'm.test', bob, { status: 'busy' });
  const joined = await joinedViaDelta(fx, sg1, status.event.eventId);
  assert.deepEqual(sorted(joined), [alice, bob]);
  assert.equal(cache.stats.misses, missesBefore, 'computed from the cached SG1 answer, not from scratch');
  // The derived answer is what the cache now holds for the new group, and it agrees with a full computation.
  const newGroup = await groupOf(fx, status.event.eventId);
  assert.deepEqual(sorted(await cache(newGroup)), [alice, bob]);
  cache.invalidateAll();
  assert.deepEqual(sorted(await cache(newGroup)), [alice, bob]);
});

test("§1.2 Bob's leave gives {alice}; Carol's join with displayname C adds Carol with that profile", async (t) => {
  const { fx, roomId, sg1 } = await roomWithBob(t);
  const leave = await fx.leave(roomId, bob);
  assert.deepEqual(sorted(await joinedViaDelta(fx, sg1, leave.event.eventId)), [alice]);
  const sgLeave = await groupOf(fx, leave.event.eventId);
  const carolJoin = await fx.join(roomId, carol, { displayname: 'C' });
  const joined = await joinedViaDelta(fx, sgLeave, carolJoin.event.eventId);
  assert.deepEqual(sorted(joined), [alice, carol]);
  assert.deepEqual(joined.get(carol), { displayName: 'C', avatarUrl: null });
});

test('§1.3 a mixed delta (Carol joins + a non-member event keyed @bob) gives {alice, bob, carol}', async (t) => {
  const { fx, roomId, sg1 } = await roomWithBob(t);
  await fx.join(roomId, carol);
  const status = await fx.state(roomId, bob, 'm.test', bob, { note: 'status of bob' });
  // One delta from SG1 covering both changes.
  assert.deepEqual(sorted(await joinedViaDelta(fx, sg1, status.event.eventId)), [alice, bob, carol]);
});

test('§1.4 three successive non-member state events keyed by user IDs leave the set unchanged', async (t) => {
  const { fx, roomId, sg1 } = await roomWithBob(t);
  let previous = sg1;
  for (const [type, key] of [['m.test', bob], ['org.example.status', alice], ['m.test', alice]] as const) {
    const sent = await fx.state(roomId, key === bob ? bob : alice, type, key, { n: 1 });
    assert.deepEqual(sorted(await joinedViaDelta(fx, previous, sent.event.eventId)), [alice, bob], `${type} keyed ${key}`);
    previous = await groupOf(fx, sent.event.eventId);
  }
});

test('§1 current-state membership caches are invalidated only when member keys change', async (t) => {
  const { fx, roomId } = await roomWithBob(t);
  const { members } = fx.storage.stores;
  assert.deepEqual(await members.getUsersInRoom(roomId), [alice, bob]);
  assert.deepEqual(await members.getRoomsForUser(bob), [roomId]);
  const before = { users: members.getUsersInRoom.stats.invalidations, rooms: members.getRoomsForUser.stats.invalidations };
  await fx.state(roomId, bob, 'm.test', bob, { status: 'away' });
  await fx.state(roomId, alice, 'm.room.topic', '', { topic: 'no member change' });
  assert.equal(members.getUsersInRoom.stats.invalidations, before.users, 'non-member state left getUsersInRoom alone');
  assert.equal(members.getRoomsForUser.stats.invalidations, before.rooms);
  assert.deepEqual(await members.getUsersInRoom(roomId), [alice, bob]);
  await fx.join(roomId, carol);
  assert.ok(members.getUsersInRoom.stats.invalidations > before.users);
  assert.deepEqual(await members.getUsersInRoom(roomId), [alice, bob, carol]);
  assert.deepEqual(await members.getRoomsForUser(carol), [roomId]);
});

test('§1 cross-process invalidation is one row [roomId, ...changedMembers]', async (t) => {
  const { fx, roomId } = await roomWithBob(t);
  const { invalidations } = fx.storage;
  const from = invalidations.currentToken;
  await fx.join(roomId, carol);
  const rows = invalidations.rowsBetween(from, invalidations.currentToken).filter((r) => r.cacheName === 'current_state_membership');
  assert.deepEqual(rows.map((r) => r.key), [[roomId, carol]]);
  const from2 = invalidations.currentToken;
  await fx.state(roomId, bob, 'm.test', bob, {});
  assert.deepEqual(invalidations.rowsBetween(from2, invalidations.currentToken).filter((r) => r.cacheName === 'current_state_membership'), []);
});

test('§1.5 (storage part) a remote user sets a custom status event: server B stays a destination of the next local message', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom(alice, { stateDefault: 0 });
  const remoteBob = '@bob:b.test';
  const remote = fx.remote('b.test').handler;
  const bobJoin = await remote.send({ roomId, sender: remoteBob, type: 'm.room.member', stateKey: remoteBob, content: { membership: 'join' } });
  const sgJoin = await groupOf(fx, bobJoin.event.eventId);
  const { members } = fx.storage.stores;
  await members.getJoinedUsersAtStateGroup(sgJoin);
  const status = await remote.send({ roomId, sender: remoteBob, type: 'm.status', stateKey: remoteBob, content: { presence: 'busy' } });
  const next = await fx.message(roomId, alice, 'is this sent to b.test?');
  // The message's state is the state after the status event; derive its joined users from the primed group.
  assert.equal(await groupOf(fx, next.event.eventId), await groupOf(fx, status.event.eventId));
  const joined = await joinedViaDelta(fx, sgJoin, next.event.eventId);
  assert.deepEqual([...hostsOf(joined.keys())].sort(), ['b.test', 'hs.test']);
  assert.equal(await members.isHostJoined(roomId, 'b.test'), true);
});
