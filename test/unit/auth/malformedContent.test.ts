/**
 * Content is arbitrary JSON even after format validation: every auth-relevant field, in the event being checked
 * and in the state it is checked against, is filled with values of the wrong type. The rules must answer with an
 * AuthError or allow the event, never throw anything else (a TypeError would crash a federation transaction).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, JsonValue } from '../../../core/crypto/canonicalJson.ts';
import { AuthError } from '../../../core/auth/authError.ts';
import { checkEventAuth, checkEventAuthAgainstState } from '../../../core/auth/eventAuth.ts';
import { checkRedactionAllowed } from '../../../core/auth/redactionAuth.ts';
import { selectAuthEventKeys } from '../../../core/auth/authEventSelection.ts';
import { PowerLevels } from '../../../core/auth/powerLevels.ts';
import type { RoomEvent } from '../../../core/events/roomEvent.ts';
import { ALICE, BOB, CAROL, RoomFixture, type EventSpec } from '../../support/roomFixture.ts';

const VERSIONS = ['1', '5', '6', '8', '10', '11'];

function garbage(version: string): JsonValue[] {
  const values: JsonValue[] = [5, -1, 0, '', 'x', '@', true, false, null, [], [1, 'a', null], {}, { a: { b: [] } }, '1.5', ' 7 '];
  if (Number(version) <= 5) values.push(1.5, -0.5, 1e300);
  return values;
}

/** Sets `path` (slash-separated, since keys hold dots; missing objects are created) in a copy of `content`. */
function withValue(content: JsonObject, path: string, value: JsonValue): JsonObject {
  const copy = structuredClone(content);
  const parts = path.split('/');
  let node: JsonObject = copy;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as JsonObject;
  }
  node[parts.at(-1)!] = value;
  return copy;
}

/** Runs both checks: each either allows or throws AuthError. Returns whether the event was rejected. */
function outcome(room: RoomFixture, event: RoomEvent, label: string): boolean {
  let rejected = false;
  for (const check of [() => checkEventAuth(event, room.authEventsOf(event)), () => checkEventAuthAgainstState(event, room.state)]) {
    try {
      check();
    } catch (e) {
      assert.ok(e instanceof AuthError, `${label}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      rejected = true;
    }
  }
  return rejected;
}

function baseRoom(version: string): RoomFixture {
  const room = RoomFixture.room(version, { joinRule: 'public' });
  room.join(BOB);
  room.apply({
    type: 'm.room.third_party_invite',
    sender: ALICE,
    stateKey: 'tok',
    content: { display_name: 'x', public_key: 'AAAA', public_keys: [{ public_key: 'AAAA' }] },
  });
  return room;
}

interface Template {
  spec: EventSpec;
  paths: string[];
}

function templates(): Template[] {
  const memberPaths = [
    'membership',
    'displayname',
    'join_authorised_via_users_server',
    'third_party_invite',
    'third_party_invite/signed',
    'third_party_invite/signed/mxid',
    'third_party_invite/signed/token',
    'third_party_invite/signed/signatures',
    'third_party_invite/signed/signatures/id',
  ];
  const member = (sender: string, target: string, membership: string, extra: JsonObject = {}): Template => ({
    spec: { type: 'm.room.member', sender, stateKey: target, content: { membership, ...extra } },
    paths: memberPaths,
  });
  const signed = { third_party_invite: { display_name: 'c', signed: { mxid: CAROL, token: 'tok', signatures: {} } } };
  return [
    { spec: { type: 'm.room.create', sender: ALICE, stateKey: '', content: { creator: ALICE }, prevEvents: [], authEvents: [] }, paths: ['creator', 'room_version', 'm.federate'] },
    member(CAROL, CAROL, 'join'),
    member(CAROL, CAROL, 'join', { join_authorised_via_users_server: ALICE }),
    member(ALICE, CAROL, 'invite'),
    member(ALICE, CAROL, 'invite', signed),
    member(ALICE, BOB, 'leave'),
    member(BOB, BOB, 'leave'),
    member(ALICE, BOB, 'ban'),
    member(CAROL, CAROL, 'knock'),
    { spec: { type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'public' } }, paths: ['join_rule', 'allow'] },
    {
      spec: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 100 } } },
      paths: ['users', `users/${BOB}`, 'users_default', 'events', 'events/m.room.name', 'events_default', 'state_default', 'ban', 'kick', 'redact', 'invite', 'notifications', 'notifications/room'],
    },
    { spec: { type: 'm.room.third_party_invite', sender: ALICE, stateKey: 'tok2', content: {} }, paths: ['public_key', 'public_keys', 'display_name'] },
    { spec: { type: 'm.room.redaction', sender: BOB, content: {} }, paths: ['redacts', 'reason'] },
    { spec: { type: 'm.room.aliases', sender: BOB, stateKey: 'b.test', content: {} }, paths: ['aliases'] },
    { spec: { type: 'm.room.message', sender: BOB, content: {} }, paths: ['body', 'msgtype'] },
  ];
}

test('malformed content in the event being checked: only AuthError, never a TypeError', () => {
  let checked = 0;
  for (const version of VERSIONS) {
    const room = baseRoom(version);
    for (const { spec, paths } of templates()) {
      for (const path of paths) {
        for (const value of garbage(version)) {
          const content = withValue(spec.content ?? {}, path, value);
          const event = room.build({ ...spec, content });
          outcome(room, event, `v${version} ${spec.type} ${path}=${JSON.stringify(value)}`);
          // Selection and the redaction helper must cope too.
          selectAuthEventKeys({ type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content }, room.version);
          if (event.type === 'm.room.redaction') assert.throws(() => checkRedactionAllowed(event, room.create, room.state), AuthError);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 1000, `checked ${checked} events`);
});

test('malformed top-level redacts: rejected or allowed cleanly in every version', () => {
  for (const version of VERSIONS) {
    const room = baseRoom(version);
    for (const value of garbage(version)) {
      const event = room.buildRaw({ type: 'm.room.redaction', sender: BOB, content: {} }, (pdu) => {
        if (room.version.redactsInContent) (pdu.content as JsonObject).redacts = value;
        else pdu.redacts = value;
      });
      assert.equal(event.redacts, typeof value === 'string' ? value : null);
      outcome(room, event, `v${version} redacts=${JSON.stringify(value)}`);
    }
  }
});

test('malformed content in the room state: later events are judged with AuthError or allowed, never crash', () => {
  const stateTemplates: { spec: EventSpec; paths: string[] }[] = [
    { spec: { type: 'm.room.create', sender: ALICE, stateKey: '', content: { creator: ALICE } }, paths: ['creator', 'm.federate'] },
    {
      spec: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 100 } } },
      paths: ['users', `users/${ALICE}`, `users/${BOB}`, 'users_default', 'events', 'events/m.room.message', 'events_default', 'state_default', 'ban', 'kick', 'redact', 'invite', 'notifications'],
    },
    { spec: { type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'public' } }, paths: ['join_rule'] },
    { spec: { type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join' } }, paths: ['membership'] },
    { spec: { type: 'm.room.third_party_invite', sender: ALICE, stateKey: 'tok', content: {} }, paths: ['public_key', 'public_keys'] },
  ];
  const probes = (room: RoomFixture): EventSpec[] => [
    { type: 'm.room.message', sender: BOB, content: { body: 'x' } },
    { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 't' } },
    room.memberSpec(CAROL, CAROL, 'join'),
    room.memberSpec(CAROL, CAROL, 'join', { join_authorised_via_users_server: ALICE }),
    room.memberSpec(CAROL, CAROL, 'knock'),
    room.memberSpec(ALICE, CAROL, 'invite'),
    room.memberSpec(ALICE, CAROL, 'invite', { third_party_invite: { display_name: 'c', signed: { mxid: CAROL, token: 'tok', signatures: { id: { 'ed25519:0': 'AAAA' } } } } }),
    room.memberSpec(ALICE, BOB, 'leave'),
    room.memberSpec(ALICE, BOB, 'ban'),
    { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 100, [BOB]: 10 } } },
    { type: 'm.room.third_party_invite', sender: ALICE, stateKey: 'x', content: {} },
    { type: 'm.room.redaction', sender: BOB, content: {}, redacts: '$target:a.test' },
  ];
  // Fewer versions here: each combination builds a dozen probes. v1 (strings, floats), v8 (restricted), v11 (integers).
  for (const version of ['1', '8', '11']) {
    const base = baseRoom(version);
    for (const { spec, paths } of stateTemplates) {
      for (const path of paths) {
        for (const value of garbage(version)) {
          const room = base.clone();
          const content = withValue(spec.content ?? {}, path, value);
          const bad = room.force({ ...spec, content });
          if (bad.type === 'm.room.create') room.create = bad;
          for (const probe of probes(room)) {
            outcome(room, room.build(probe), `v${version} state ${spec.type} ${path}=${JSON.stringify(value)}; probe ${probe.type} ${JSON.stringify(probe.content)}`);
          }
          // Power-level reads over the same state fail only with AuthError.
          const levels = PowerLevels.fromState(room.state.get('["m.room.power_levels",""]'), room.create, room.version);
          for (const read of [() => levels.userLevel(BOB), () => levels.requiredLevel('m.room.message', false), () => levels.notificationLevel()]) {
            try {
              read();
            } catch (e) {
              assert.ok(e instanceof AuthError, `v${version} ${path}: ${String(e)}`);
            }
          }
        }
      }
    }
  }
});

test('malformed content that the rules must reject', () => {
  for (const version of VERSIONS) {
    const room = baseRoom(version);
    const rejected = (spec: EventSpec, label: string) => assert.equal(outcome(room, room.build(spec), label), true, `v${version}: ${label} is rejected`);
    for (const membership of [5, null, [], {}, true]) {
      rejected({ type: 'm.room.member', sender: CAROL, stateKey: CAROL, content: { membership } }, `membership ${JSON.stringify(membership)}`);
    }
    for (const users of ['x', 5, [], null]) {
      rejected({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users } }, `users ${JSON.stringify(users)}`);
    }
    rejected({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [BOB]: 'abc' } } }, 'users value "abc"');
    rejected({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [BOB]: null } } }, 'users value null');
    for (const invite of [5, 'x', null, [], { signed: 5 }, { signed: { mxid: 5, token: 'tok' } }]) {
      rejected(room.memberSpec(ALICE, CAROL, 'invite', { third_party_invite: invite }), `third_party_invite ${JSON.stringify(invite)}`);
    }
    if (room.version.restrictedJoinRule) {
      for (const authoriser of [5, null, [], 'alice']) {
        rejected(room.memberSpec(CAROL, CAROL, 'join', { join_authorised_via_users_server: authoriser }), `authoriser ${JSON.stringify(authoriser)}`);
      }
    }
    const create = (content: JsonObject) => room.build({ type: 'm.room.create', sender: ALICE, stateKey: '', content, prevEvents: [], authEvents: [] });
    assert.equal(outcome(room, create({ creator: ALICE, room_version: 5 }), 'room_version 5'), true);
    if (!room.version.implicitRoomCreator) assert.equal(outcome(room, create({ room_version: version }), 'no creator'), true);
  }
});

test('malformed power levels or join rules in state reject the events that need them', () => {
  for (const version of VERSIONS) {
    const room = baseRoom(version);
    room.setPowerLevels({ users: 'x' });
    assert.equal(outcome(room, room.build({ type: 'm.room.message', sender: BOB, content: {} }), 'users "x"'), true);
    room.setPowerLevels({ users: { [ALICE]: 100 }, events_default: [] });
    assert.equal(outcome(room, room.build({ type: 'm.room.message', sender: BOB, content: {} }), 'events_default []'), true);
    // A state event does not read events_default: allowed.
    assert.equal(outcome(room, room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: {} }), 'topic'), false);
    room.setPowerLevels({ users: { [ALICE]: 100 } });
    room.setJoinRule({ join_rule: 5 });
    assert.equal(outcome(room, room.build(room.memberSpec(CAROL, CAROL, 'join')), 'join_rule 5'), true);
    room.forceMembership(BOB, 'leave');
    room.force(room.build({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 7 } }));
    assert.equal(outcome(room, room.build({ type: 'm.room.message', sender: BOB, content: {} }), 'membership 7 in state'), true);
  }
});
