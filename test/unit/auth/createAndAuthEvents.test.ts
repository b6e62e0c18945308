/**
 * Rule 1 (m.room.create), rule 2 (the event's auth_events), rule 3 (m.federate), and the v1/v2 requirement that an
 * event be signed by the server of its event ID.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { AuthError } from '../../../core/auth/authError.ts';
import { authErrorAgainstState, checkAuthEventsList, checkCreateEvent, checkEventAuth, checkEventAuthAgainstState } from '../../../core/auth/eventAuth.ts';
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, RoomFixture, assertAllowed, assertRejected, assertRejectedAgainstState } from '../../support/roomFixture.ts';

const authError = (pattern: RegExp) => (e: unknown) => e instanceof AuthError && pattern.test(e.message);

test('1 m.room.create: a well-formed create event is allowed in every version', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version);
    checkCreateEvent(room.create);
    checkEventAuth(room.create, []);
    checkEventAuthAgainstState(room.create, new Map());
  }
});

test('1.1 m.room.create: prev_events must be empty', () => {
  for (const version of ['1', '6', '11']) {
    const room = RoomFixture.room(version);
    const content: JsonObject = version === '11' ? {} : { creator: ALICE };
    const create = room.build({ type: 'm.room.create', sender: ALICE, stateKey: '', content, prevEvents: [room.create], authEvents: [] });
    assert.throws(() => checkEventAuth(create, []), authError(/prev_events/), `v${version}`);
  }
});

test('1.2 m.room.create: the room ID domain must be the sender domain', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    const content: JsonObject = version === '11' ? {} : { creator: BOB };
    const create = room.build({ type: 'm.room.create', sender: BOB, stateKey: '', content, prevEvents: [], authEvents: [] });
    assert.throws(() => checkEventAuth(create, []), authError(/domain of room ID/), `v${version}`);
  }
});

test('1.3 m.room.create: an unknown content.room_version is rejected, a known or absent one allowed', () => {
  for (const version of ['1', '5', '11']) {
    const room = RoomFixture.room(version);
    const base: JsonObject = version === '11' ? {} : { creator: ALICE };
    const build = (extra: object) =>
      room.build({ type: 'm.room.create', sender: ALICE, stateKey: '', content: { ...base, ...extra }, prevEvents: [], authEvents: [] });
    assert.throws(() => checkEventAuth(build({ room_version: '999' }), []), authError(/unknown room_version/));
    assert.throws(() => checkEventAuth(build({ room_version: 11 }), []), authError(/unknown room_version/));
    assert.throws(() => checkEventAuth(build({ room_version: null }), []), authError(/unknown room_version/));
    checkEventAuth(build({ room_version: '9' }), []);
    checkEventAuth(build({}), []);
  }
});

test('1.4 m.room.create: v1-v10 require content.creator; v11 needs none', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version);
    const create = room.build({ type: 'm.room.create', sender: ALICE, stateKey: '', content: { room_version: version }, prevEvents: [], authEvents: [] });
    if (room.version.implicitRoomCreator) checkEventAuth(create, []);
    else assert.throws(() => checkEventAuth(create, []), authError(/no creator/), `v${version}`);
  }
  // Only presence is required; a non-string creator is accepted but is nobody: no one gets the creator's rights.
  const v10 = new RoomFixture('10');
  v10.create = v10.force({ type: 'm.room.create', sender: ALICE, stateKey: '', content: { creator: 5 } });
  checkCreateEvent(v10.create);
  assertRejected(v10, v10.build(v10.memberSpec(ALICE, ALICE, 'join')), /join rule is invite/);
});

test('2.1 auth events: two entries for one (type, state_key) are rejected', () => {
  for (const version of ['1', '3', '11']) {
    const room = RoomFixture.room(version);
    const oldPowerLevels = room.state.get('["m.room.power_levels",""]')!;
    room.setPowerLevels({ users: { [ALICE]: 100 }, events_default: 0 });
    const current = room.state.get('["m.room.power_levels",""]')!;
    const authEvents = [room.create, oldPowerLevels, current, room.state.get(`["m.room.member","${ALICE}"]`)!];
    const event = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'x' }, authEvents });
    assert.throws(() => checkAuthEventsList(event, authEvents), authError(/two m\.room\.power_levels/), `v${version}`);
  }
});

test('2.2 auth events: entries outside the auth events selection are rejected', () => {
  for (const version of ['1', '7', '11']) {
    const room = RoomFixture.room(version);
    room.join(BOB);
    const joinRules = room.state.get('["m.room.join_rules",""]')!;
    const bobMember = room.state.get(`["m.room.member","${BOB}"]`)!;
    const base = [room.create, room.state.get('["m.room.power_levels",""]')!, room.state.get(`["m.room.member","${ALICE}"]`)!];
    // A message needs no join rules, and not another user's membership.
    for (const extra of [joinRules, bobMember]) {
      const event = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'x' }, authEvents: [...base, extra] });
      assert.throws(() => checkEventAuth(event, room.authEventsOf(event)), authError(/not one the event's auth events may include/));
      checkEventAuthAgainstState(event, room.state); // Allowed by the state itself.
    }
  }
});

test('2.2 auth events: a join_authorised_via_users_server member event is selectable from v8 only', () => {
  for (const version of ['7', '8']) {
    const room = RoomFixture.room(version, { joinRule: 'public' });
    room.join(BOB);
    const content = { membership: 'join', join_authorised_via_users_server: BOB };
    const authEvents = [
      room.create,
      room.state.get('["m.room.power_levels",""]')!,
      room.state.get('["m.room.join_rules",""]')!,
      room.state.get(`["m.room.member","${BOB}"]`)!,
    ];
    const event = room.countersign(room.build({ type: 'm.room.member', sender: CAROL, stateKey: CAROL, content, authEvents }), 'b.test');
    if (room.version.restrictedJoinRule) checkEventAuth(event, room.authEventsOf(event));
    else assert.throws(() => checkEventAuth(event, room.authEventsOf(event)), authError(/may include/));
  }
});

test('2.3 auth events: an entry that was itself rejected is rejected (injected predicate)', () => {
  const room = RoomFixture.room('11');
  const event = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'x' } });
  const powerLevels = room.state.get('["m.room.power_levels",""]')!;
  assert.throws(
    () => checkEventAuth(event, room.authEventsOf(event), { isRejected: (e) => e.eventId === powerLevels.eventId }),
    authError(/was rejected/),
  );
});

test('2.4 auth events: there must be an m.room.create event among them', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    const authEvents = [room.state.get('["m.room.power_levels",""]')!, room.state.get(`["m.room.member","${ALICE}"]`)!];
    const event = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'x' }, authEvents });
    assert.throws(() => checkEventAuth(event, authEvents), authError(/no m\.room\.create/));
    // And the state check without a create event in state.
    assert.throws(() => checkEventAuthAgainstState(event, new Map()), authError(/no m\.room\.create/));
  }
});

test('2.5 auth events: an entry from another room is rejected', () => {
  const room = RoomFixture.room('11');
  const other = RoomFixture.room('11');
  // Same room ID in the fixture, so rewrite the other room's create into a different room.
  const foreignCreate = other.buildRaw({ type: 'm.room.create', sender: ALICE, stateKey: '', content: {}, prevEvents: [], authEvents: [] }, (pdu) => {
    pdu.room_id = '!elsewhere:a.test';
  });
  const authEvents = [foreignCreate, room.state.get('["m.room.power_levels",""]')!, room.state.get(`["m.room.member","${ALICE}"]`)!];
  const event = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'x' }, authEvents });
  assert.throws(() => checkEventAuth(event, authEvents), authError(/another room/));
});

test('2 auth events: the given events must be exactly those the event lists', () => {
  const room = RoomFixture.room('11');
  const event = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'x' } });
  const authEvents = room.authEventsOf(event);
  assert.throws(() => checkAuthEventsList(event, authEvents.slice(1)), authError(/missing/));
  const stray = room.state.get('["m.room.join_rules",""]')!;
  assert.throws(() => checkAuthEventsList(event, [...authEvents, stray]), authError(/not one of the event's auth_events/));
  const message = room.force({ type: 'm.room.message', sender: ALICE, content: { body: 'y' } });
  const withMessage = room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 't' }, authEvents: [...authEvents, message] });
  assert.throws(() => checkAuthEventsList(withMessage, room.authEventsOf(withMessage)), authError(/not a state event/));
});

test('3 m.federate: false keeps out senders of other servers, in every version', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version, { createContent: { 'm.federate': false } });
    room.join(DAVE); // Same server as the creator.
    const bobJoin = room.build(room.memberSpec(BOB, BOB, 'join'));
    assertRejected(room, bobJoin, /not federated/);
  }
  const open = RoomFixture.room('11', { createContent: { 'm.federate': true } });
  open.join(BOB);
  const unset = RoomFixture.room('11', { createContent: { 'm.federate': 'false' } });
  unset.join(BOB); // Only the boolean false counts.
});

test('v1/v2 event IDs: an event must be signed by the server of its event ID', () => {
  for (const version of ['1', '2']) {
    const room = RoomFixture.room(version);
    room.join(BOB);
    // Event ID on c.test, signed only by b.test (the sender).
    const forged = room.buildRaw({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }, (pdu) => {
      pdu.event_id = '$forged:c.test';
    });
    assertRejected(room, forged, /server of its event ID/);
    // The injected predicate decides.
    assertAllowed(room, forged, { isSignedBy: () => true });
    const noDomain = room.buildRaw({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }, (pdu) => {
      pdu.event_id = '$nodomain';
    });
    assertRejected(room, noDomain, /has no server name/);
  }
  // v3+: event IDs are hashes and carry no server.
  const v3 = RoomFixture.room('3');
  v3.join(BOB);
  assertAllowed(v3, v3.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }));
});

test('authErrorAgainstState returns the AuthError instead of throwing', () => {
  const room = RoomFixture.room('11');
  const message = room.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } });
  assert.match(authErrorAgainstState(message, room.state)?.message ?? '', /not joined/);
  assert.equal(authErrorAgainstState(room.build({ type: 'm.room.message', sender: ALICE, content: {} }), room.state), null);
  assertRejectedAgainstState(room, message, /not joined/);
});
