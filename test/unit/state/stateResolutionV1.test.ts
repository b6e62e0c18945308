/**
 * State resolution v1 (room version 1) on real signed events, as Synapse's original implementation resolves:
 * power levels, join rules and members pass by pass from the lowest depth up, other types by highest depth then
 * smallest sha1(event_id) among the allowed ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RoomEvent } from '../../../core/events/roomEvent.ts';
import { stateKey, type StateMap } from '../../../core/state/stateMap.ts';
import { RoomStateResolver } from '../../../core/state/roomStateResolver.ts';
import { separateStateV1 } from '../../../core/state/stateResolutionV1.ts';
import { DAG_ROOM_ID, DagRoom, type DagBranch } from '../../support/dagRoom.ts';
import { ALICE, BOB, CAROL, DAVE } from '../../support/roomFixture.ts';
import { MemoryAuthChainSource } from '../../support/memoryAuthChainSource.ts';

const PL = stateKey('m.room.power_levels', '');
const JOIN_RULES = stateKey('m.room.join_rules', '');
const TOPIC = stateKey('m.room.topic', '');
const member = (userId: string) => stateKey('m.room.member', userId);
const sha1 = (event: RoomEvent) => createHash('sha1').update(event.eventId, 'utf8').digest('hex');

async function resolve(room: DagRoom, branches: DagBranch[]): Promise<StateMap> {
  // v1 never reads auth chains: an empty source proves it.
  const resolver = new RoomStateResolver({ authChains: new MemoryAuthChainSource(new Map()) });
  return resolver.resolve(DAG_ROOM_ID, room.version, branches.map((b) => b.stateIds()), room.loadEvents);
}

function roomWithModerator() {
  const { room, main } = DagRoom.create('1');
  main.join(BOB);
  main.join(CAROL);
  const levels = main.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 50 } });
  return { room, main, levels };
}

test('v1 room version 1 uses state resolution v1', () => {
  assert.equal(DagRoom.create('1').room.version.stateResolution, 'v1');
});

test('v1 conflicting power levels: walking up from the lowest depth, an allowed deeper change replaces the shallower', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  a.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 } });
  b.topic(ALICE, 'filler');
  const deeper = b.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 50, [DAVE]: 10 } });
  assert.equal((await resolve(room, [a, b])).get(PL), deeper.eventId);
  assert.equal((await resolve(room, [b, a])).get(PL), deeper.eventId);
});

test('v1 the power levels pass stops at the first change the state so far refuses', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const demotion = a.powerLevels(ALICE, { users: { [ALICE]: 100 } });
  b.topic(ALICE, 'filler');
  // Deeper, and allowed where it was sent, but not once Bob has been demoted.
  b.powerLevels(BOB, { users: { [ALICE]: 100, [BOB]: 50 }, events_default: 5 });
  assert.equal((await resolve(room, [a, b])).get(PL), demotion.eventId);
});

test('v1 join rules are resolved by the same pass', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const inviteOnly = a.send({ type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'invite' } });
  b.topic(ALICE, 'filler');
  b.send({ type: 'm.room.join_rules', sender: BOB, stateKey: '', content: { join_rule: 'public' } });
  // The earlier invite-only change comes first; Bob's deeper change is allowed on top (he is a moderator).
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(JOIN_RULES), b.state.get(JOIN_RULES)!.eventId);
  assert.notEqual(resolved.get(JOIN_RULES), inviteOnly.eventId);
});

test('v1 a key only one state set holds is no conflict: a join concurrent with invite-only stays (v1’s known flaw)', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const inviteOnly = a.send({ type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'invite' } });
  const daveJoin = b.join(DAVE);
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(JOIN_RULES), inviteOnly.eventId);
  assert.equal(resolved.get(member(DAVE)), daveJoin.eventId);
});

test('v1 members: a ban beats a deeper profile change of the banned user', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const ban = a.member(ALICE, CAROL, 'ban');
  b.join(CAROL, { displayname: 'C' });
  b.join(CAROL, { displayname: 'Carol' });
  assert.equal((await resolve(room, [a, b])).get(member(CAROL)), ban.eventId);
});

test('v1 members: a deeper ban replaces a shallower profile change', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  a.topic(ALICE, 'filler');
  const ban = a.member(ALICE, CAROL, 'ban');
  b.join(CAROL, { displayname: 'Carol' });
  assert.equal((await resolve(room, [a, b])).get(member(CAROL)), ban.eventId);
});

test('v1 other types: the deepest event wins when allowed', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  a.topic(ALICE, 'shallow');
  b.send({ type: 'm.room.name', sender: ALICE, stateKey: '', content: { name: 'filler' } });
  const deep = b.topic(ALICE, 'deep');
  assert.equal((await resolve(room, [a, b])).get(TOPIC), deep.eventId);
});

test('v1 other types: a deeper topic whose sender lost power in the resolved state loses to an allowed one', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const demotion = a.powerLevels(ALICE, { users: { [ALICE]: 100 } });
  const alicesTopic = a.topic(ALICE, 'by Alice');
  b.send({ type: 'm.room.name', sender: ALICE, stateKey: '', content: { name: 'one' } });
  b.send({ type: 'm.room.name', sender: ALICE, stateKey: '', content: { name: 'two' } });
  b.topic(BOB, 'by Bob, deeper');
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(PL), demotion.eventId);
  assert.equal(resolved.get(TOPIC), alicesTopic.eventId);
});

test('v1 other types at equal depth: the smaller sha1 of the event ID wins', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const t1 = a.topic(ALICE, 'one');
  const t2 = b.topic(ALICE, 'two');
  assert.equal(t1.depth, t2.depth);
  const expected = sha1(t1) < sha1(t2) ? t1 : t2;
  assert.equal((await resolve(room, [a, b])).get(TOPIC), expected.eventId);
  assert.equal((await resolve(room, [b, a])).get(TOPIC), expected.eventId);
});

test('v1 other types: when no candidate is allowed, the last in order (larger sha1 at equal depth) is taken', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const t1 = a.topic(BOB, 'one');
  const t2 = b.topic(BOB, 'two');
  const demotion = b.powerLevels(ALICE, { users: { [ALICE]: 100 } });
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(PL), demotion.eventId);
  const expected = sha1(t1) > sha1(t2) ? t1 : t2;
  assert.equal(resolved.get(TOPIC), expected.eventId);
});

test('v1 events that cannot be loaded are left out; a key left with one event takes it', async () => {
  const { room, main } = roomWithModerator();
  const a = main.fork();
  const b = main.fork();
  const topic = a.topic(ALICE, 'real');
  const broken = b.stateIds();
  broken.set(TOPIC, '$never-stored:a.test');
  const resolver = new RoomStateResolver({ authChains: new MemoryAuthChainSource(new Map()) });
  const resolved = await resolver.resolve(DAG_ROOM_ID, room.version, [a.stateIds(), broken], room.loadEvents);
  assert.equal(resolved.get(TOPIC), topic.eventId);
});

test('v1 separation: only different events for one key conflict', () => {
  const { unconflicted, conflicted } = separateStateV1([
    new Map([['k1', '$a'], ['k2', '$b']]),
    new Map([['k1', '$a'], ['k2', '$x'], ['k3', '$c']]),
    new Map([['k2', '$y']]),
  ]);
  assert.deepEqual([...unconflicted].sort(), [['k1', '$a'], ['k3', '$c']]);
  assert.deepEqual([...conflicted].map(([k, v]) => [k, [...v].sort()]), [['k2', ['$b', '$x', '$y']]]);
});
