/**
 * State resolution v2 on real signed events: forks built by two branches of one room, resolved through
 * RoomStateResolver (auth chain difference walk included), with the spec's orderings and Synapse's choices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomEvent } from '../../../core/events/roomEvent.ts';
import { stateKey, type StateMap } from '../../../core/state/stateMap.ts';
import { RoomStateResolver } from '../../../core/state/roomStateResolver.ts';
import { isPowerEvent, separateStateV2 } from '../../../core/state/stateResolutionV2.ts';
import { compareEventIds } from '../../../core/state/eventIdOrder.ts';
import { DAG_ROOM_ID, DagRoom, type DagBranch } from '../../support/dagRoom.ts';
import { ALICE, BOB, CAROL, DAVE } from '../../support/roomFixture.ts';

const V2_VERSIONS = ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11'];
const PL = stateKey('m.room.power_levels', '');
const JOIN_RULES = stateKey('m.room.join_rules', '');
const TOPIC = stateKey('m.room.topic', '');
const member = (userId: string) => stateKey('m.room.member', userId);

async function resolve(room: DagRoom, branches: DagBranch[], options: { rejected?: Set<string> } = {}): Promise<StateMap> {
  const resolver = new RoomStateResolver({
    authChains: room.authChains(),
    ...(options.rejected ? { rejections: { getRejectedEventIds: async (ids) => new Set(ids.filter((id) => options.rejected!.has(id))) } } : {}),
  });
  return resolver.resolve(DAG_ROOM_ID, room.version, branches.map((b) => b.stateIds()), room.loadEvents);
}

/** A room where Bob is a moderator (50) and Carol an ordinary member. */
function roomWithModerator(versionId: string) {
  const { room, main } = DagRoom.create(versionId);
  main.join(BOB);
  main.join(CAROL);
  const moderatorLevels = main.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 50 } });
  return { room, main, moderatorLevels };
}

for (const version of V2_VERSIONS) {
  test(`v2 (room v${version}) a ban by a moderator loses to a concurrent demotion of that moderator`, async () => {
    const { room, main } = roomWithModerator(version);
    const carolJoin = main.state.get(member(CAROL))!;
    const banning = main.fork();
    const demoting = main.fork();
    const ban = banning.member(BOB, CAROL, 'ban');
    const demotion = demoting.powerLevels(ALICE, { users: { [ALICE]: 100 } });

    const resolved = await resolve(room, [banning, demoting]);
    assert.equal(resolved.get(PL), demotion.eventId, 'the demotion stands');
    assert.notEqual(resolved.get(member(CAROL)), ban.eventId, 'the ban is dropped: Bob no longer has the power');
    assert.equal(resolved.get(member(CAROL)), carolJoin.eventId, 'Carol stays joined');
  });
}

test('v2 a topic set by a user demoted concurrently is dropped; the earlier topic stays', async () => {
  const { room, main } = roomWithModerator('11');
  const oldTopic = main.topic(ALICE, 'old');
  const bobs = main.fork();
  const alices = main.fork();
  bobs.topic(BOB, 'Bob was here');
  const demotion = alices.powerLevels(ALICE, { users: { [ALICE]: 100 } });

  const resolved = await resolve(room, [bobs, alices]);
  assert.equal(resolved.get(PL), demotion.eventId);
  assert.equal(resolved.get(TOPIC), oldTopic.eventId);
});

test('v2 a join rules change to invite beats a concurrent join', async () => {
  const { room, main } = roomWithModerator('11');
  const closing = main.fork();
  const joining = main.fork();
  const inviteOnly = closing.send({ type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'invite' } });
  joining.join(DAVE);

  const resolved = await resolve(room, [closing, joining]);
  assert.equal(resolved.get(JOIN_RULES), inviteOnly.eventId);
  assert.equal(resolved.has(member(DAVE)), false, 'Dave never got in');
});

test('v2 a join on a branch where the join rules did not change survives when the rules stay public', async () => {
  const { room, main } = roomWithModerator('11');
  const other = main.fork();
  const joining = main.fork();
  const topic = other.topic(ALICE, 'hello');
  const daveJoin = joining.join(DAVE);
  const resolved = await resolve(room, [other, joining]);
  assert.equal(resolved.get(member(DAVE)), daveJoin.eventId);
  assert.equal(resolved.get(TOPIC), topic.eventId, 'keys present in only one branch are resolved too');
});

test('v2 concurrent power levels by equally powerful users: the later origin_server_ts is applied last and wins', async () => {
  for (const bobFirst of [true, false]) {
    const { room, main } = DagRoom.create('11');
    main.join(BOB);
    main.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 100 } });
    const a = main.fork();
    const b = main.fork();
    const byAlice = a.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 100, [CAROL]: 50 } }, bobFirst ? 3_000_000 : 2_000_000);
    const byBob = b.powerLevels(BOB, { users: { [ALICE]: 100, [BOB]: 100, [DAVE]: 50 } }, bobFirst ? 2_000_000 : 3_000_000);
    const resolved = await resolve(room, [a, b]);
    assert.equal(resolved.get(PL), bobFirst ? byAlice.eventId : byBob.eventId);
  }
});

test('v2 tie-break by sender power: the more powerful sender is ordered first, whatever the timestamps', async () => {
  const { room, main } = DagRoom.create('11');
  main.join(BOB);
  main.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 75 } });
  const a = main.fork();
  const b = main.fork();
  // Alice's change is the later one in time, but she is more powerful, so it is applied first and Bob's last.
  a.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 75 }, events_default: 10 }, 3_000_000);
  const byBob = b.powerLevels(BOB, { users: { [ALICE]: 100, [BOB]: 75 }, state_default: 60 }, 2_000_000);
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(PL), byBob.eventId);
});

test('v2 tie-break by event ID: same power and timestamp, the larger event ID is applied last and wins', async () => {
  const { room, main } = DagRoom.create('11');
  const a = main.fork();
  const b = main.fork();
  const first = a.powerLevels(ALICE, { users: { [ALICE]: 100 }, events_default: 1 }, 5_000_000);
  const second = b.powerLevels(ALICE, { users: { [ALICE]: 100 }, events_default: 2 }, 5_000_000);
  const larger = compareEventIds(first.eventId, second.eventId) > 0 ? first : second;
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(PL), larger.eventId);
  assert.equal((await resolve(room, [b, a])).get(PL), larger.eventId, 'the order of the state sets does not matter');
});

test('v2 mainline ordering: a topic based on newer power levels wins over a later topic based on older ones', async () => {
  const { room, main } = DagRoom.create('11');
  const older = main.fork();
  const newer = main.fork();
  // Older branch: a topic at a later time, authorised by the original power levels.
  older.topic(ALICE, 'older base, later time', 9_000_000);
  // Newer branch: new power levels, then a topic (earlier in time) authorised by them.
  const newLevels = newer.powerLevels(ALICE, { users: { [ALICE]: 100 }, events_default: 0 }, 2_000_000);
  const newerTopic = newer.topic(ALICE, 'newer base, earlier time', 2_000_001);

  const resolved = await resolve(room, [older, newer]);
  assert.equal(resolved.get(PL), newLevels.eventId);
  assert.equal(resolved.get(TOPIC), newerTopic.eventId);
});

test('v2 mainline ordering: topics on the same mainline position are ordered by timestamp', async () => {
  const { room, main } = DagRoom.create('11');
  const a = main.fork();
  const b = main.fork();
  const later = a.topic(ALICE, 'later', 8_000_000);
  b.topic(ALICE, 'earlier', 7_000_000);
  assert.equal((await resolve(room, [a, b])).get(TOPIC), later.eventId);
  assert.equal((await resolve(room, [b, a])).get(TOPIC), later.eventId);
});

test('v2 unconflicted state is kept even when the resolved power levels would no longer allow it', async () => {
  const { room, main } = roomWithModerator('11');
  const bobsTopic = main.topic(BOB, 'set while Bob was a moderator');
  const a = main.fork();
  const b = main.fork();
  const demotion = a.powerLevels(ALICE, { users: { [ALICE]: 100 } });
  b.join(DAVE);
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(PL), demotion.eventId);
  assert.equal(resolved.get(TOPIC), bobsTopic.eventId, 'unconflicted: both branches hold it');
  assert.equal(resolved.get(stateKey('m.room.create', '')), main.state.get(stateKey('m.room.create', ''))!.eventId);
  assert.equal(resolved.get(member(BOB)), main.state.get(member(BOB))!.eventId);
});

test('v2 an event whose auth fails in the iterative auth checks is dropped: a profile change by a user banned concurrently', async () => {
  const { room, main } = roomWithModerator('11');
  const a = main.fork();
  const b = main.fork();
  const ban = a.member(ALICE, CAROL, 'ban');
  b.join(CAROL, { displayname: 'Carol again' });
  const resolved = await resolve(room, [a, b]);
  assert.equal(resolved.get(member(CAROL)), ban.eventId);
});

test('v2 an event stored as rejected is never admitted, and the other candidate wins', async () => {
  const { room, main } = DagRoom.create('11');
  const a = main.fork();
  const b = main.fork();
  const earlier = a.topic(ALICE, 'earlier', 7_000_000);
  const later = b.topic(ALICE, 'later', 8_000_000);
  assert.equal((await resolve(room, [a, b])).get(TOPIC), later.eventId);
  assert.equal((await resolve(room, [a, b], { rejected: new Set([later.eventId]) })).get(TOPIC), earlier.eventId);
});

test('v2 events that cannot be loaded are left out', async () => {
  const { room, main } = DagRoom.create('11');
  const a = main.fork();
  const b = main.fork();
  const topic = a.topic(ALICE, 'real');
  b.topic(ALICE, 'will be lost');
  const broken = b.stateIds();
  broken.set(TOPIC, '$never-stored');
  const resolver = new RoomStateResolver({ authChains: room.authChains() });
  const resolved = await resolver.resolve(DAG_ROOM_ID, room.version, [a.stateIds(), broken], room.loadEvents);
  assert.equal(resolved.get(TOPIC), topic.eventId);
});

test('v2 several state sets at once, and identical or single state sets', async () => {
  const { room, main } = roomWithModerator('11');
  const [a, b, c] = [main.fork(), main.fork(), main.fork()];
  const demotion = a.powerLevels(ALICE, { users: { [ALICE]: 100 } });
  b.member(BOB, CAROL, 'leave');
  const daveJoin = c.join(DAVE);
  const resolved = await resolve(room, [a, b, c]);
  assert.equal(resolved.get(PL), demotion.eventId);
  assert.equal(resolved.get(member(CAROL)), main.state.get(member(CAROL))!.eventId, 'the kick by the demoted moderator is dropped');
  assert.equal(resolved.get(member(DAVE)), daveJoin.eventId);

  assert.deepEqual(await resolve(room, [main, main]), main.stateIds());
  assert.deepEqual(await resolve(room, [main]), main.stateIds());
  assert.deepEqual(await resolve(room, []), new Map());
});

test('v2 separation: a key missing from one state set is conflicted', () => {
  const { unconflicted, conflicted } = separateStateV2([
    new Map([['k1', '$a'], ['k2', '$b']]),
    new Map([['k1', '$a'], ['k3', '$c']]),
  ]);
  assert.deepEqual([...unconflicted], [['k1', '$a']]);
  assert.deepEqual([...conflicted].map(([k, v]) => [k, [...v]]), [['k2', ['$b']], ['k3', ['$c']]]);
});

test('v2 power events: power levels, join rules, create, and kicks/bans of others (not leaving oneself)', () => {
  const { main } = roomWithModerator('11');
  const is = (event: RoomEvent) => isPowerEvent(event);
  assert.equal(is(main.state.get(PL)!), true);
  assert.equal(is(main.state.get(JOIN_RULES)!), true);
  assert.equal(is(main.state.get(stateKey('m.room.create', ''))!), true);
  assert.equal(is(main.state.get(member(CAROL))!), false);
  const kicking = main.fork();
  assert.equal(is(kicking.member(BOB, CAROL, 'leave')), true);
  const leaving = main.fork();
  assert.equal(is(leaving.member(CAROL, CAROL, 'leave')), false);
  assert.equal(is(leaving.topic(ALICE, 'x')), false);
});
