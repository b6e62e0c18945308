/**
 * Reading m.room.power_levels per room version: integers, stringy levels (v1-v9, with the exact grammar of
 * v1-stringy-power-levels.md), floats truncated (v1-v5, v1-floaty-power-levels.md), and the defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PowerLevels, readPowerLevelValue, DEFAULT_LEVELS } from '../../../core/auth/powerLevels.ts';
import { InvalidPowerLevelsError, AuthError } from '../../../core/auth/authError.ts';
import { getRoomVersion } from '../../../core/events/roomVersions.ts';
import { ALICE, BOB, RoomFixture } from '../../support/roomFixture.ts';

const v = (id: string) => getRoomVersion(id);
const level = (value: Parameters<typeof readPowerLevelValue>[0], id: string) => {
  const r = readPowerLevelValue(value, v(id));
  return r.ok ? r.level : null;
};

test('power levels: integers are read as they are in every version', () => {
  for (const id of ['1', '5', '6', '9', '10', '11']) {
    assert.equal(level(50, id), 50);
    assert.equal(level(-7, id), -7);
    assert.equal(level(0, id), 0);
  }
});

test('power levels: stringy values follow the spec grammar in v1-v9', () => {
  const accepted: [string, number][] = [
    ['100', 100], ['000100', 100], ['+100', 100], ['-100', -100], [' 100 ', 100], [' 00100 ', 100], [' +100 ', 100],
    [' -100 ', -100], ['\t50\n', 50], ['0', 0], ['-0', 0],
  ];
  const refused = ['', ' ', '1.5', '1e3', '0x10', '1_000', '++1', '+-1', '1 0', 'fifty', '100abc', '٣'];
  for (const id of ['1', '3', '5', '6', '7', '8', '9']) {
    for (const [text, expected] of accepted) assert.equal(level(text, id), expected, `v${id} ${JSON.stringify(text)}`);
    for (const text of refused) assert.equal(level(text, id), null, `v${id} ${JSON.stringify(text)}`);
  }
});

test('power levels: strings are refused from v10', () => {
  for (const id of ['10', '11']) {
    assert.equal(level('50', id), null);
    const r = readPowerLevelValue('50', v(id));
    assert.ok(!r.ok && /string/.test(r.problem));
  }
});

test('power levels: floats are truncated in v1-v5 and refused from v6', () => {
  for (const id of ['1', '2', '3', '4', '5']) {
    assert.equal(level(50.57, id), 50);
    assert.equal(level(51146.98, id), 51146);
    assert.equal(level(-1.9, id), -1);
    assert.equal(level(-0.5, id), 0);
    assert.ok(Object.is(level(-0.5, id), 0), 'no negative zero');
  }
  for (const id of ['6', '9', '10', '11']) assert.equal(level(50.5, id), null, `v${id}`);
  for (const id of ['1', '11']) {
    assert.equal(level(Infinity, id), null);
    assert.equal(level(NaN, id), null);
  }
});

test('power levels: non-numbers are never levels', () => {
  for (const id of ['1', '9', '11']) {
    for (const value of [null, true, false, [], [50], {}, { level: 50 }, undefined]) {
      assert.equal(level(value as never, id), null, `v${id} ${JSON.stringify(value)}`);
    }
  }
});

test('power levels: without a power-levels event the creator has 100 and others 0 (v1-v10 content.creator)', () => {
  const room = RoomFixture.room('10', { powerLevels: null });
  const levels = PowerLevels.fromState(undefined, room.create, room.version);
  assert.equal(levels.hasPowerLevelsEvent, false);
  assert.equal(levels.userLevel(ALICE), 100);
  assert.equal(levels.userLevel(BOB), 0);
});

test('power levels: without a power-levels event the v11 creator is the create event sender', () => {
  const room = RoomFixture.room('11', { powerLevels: null });
  assert.equal(room.create.content.creator, undefined);
  const levels = PowerLevels.fromState(null, room.create, room.version);
  assert.equal(levels.userLevel(ALICE), 100);
  assert.equal(levels.userLevel(BOB), 0);
});

test('power levels: defaults for events/state/ban/kick/redact/invite/notifications', () => {
  for (const levels of [PowerLevels.defaults(v('11'), ALICE), PowerLevels.fromContent({}, v('11'))]) {
    assert.equal(levels.usersDefault, 0);
    assert.equal(levels.eventsDefault, 0);
    assert.equal(levels.stateDefault, 50);
    assert.equal(levels.ban, 50);
    assert.equal(levels.kick, 50);
    assert.equal(levels.redact, 50);
    assert.equal(levels.invite, 0);
    assert.equal(levels.notificationLevel(), 50);
    assert.equal(levels.notificationLevel('room'), 50);
    assert.equal(levels.notificationLevel('other'), undefined);
    assert.equal(levels.requiredLevel('m.room.topic', true), 50);
    assert.equal(levels.requiredLevel('m.room.message', false), 0);
  }
  assert.deepEqual(DEFAULT_LEVELS, { users_default: 0, events_default: 0, state_default: 50, ban: 50, kick: 50, redact: 50, invite: 0 });
  // With an event, the creator is an ordinary user.
  assert.equal(PowerLevels.fromContent({ users_default: 3 }, v('11')).userLevel(ALICE), 3);
});

test('power levels: user level, required level (state vs message) and notifications.room from content', () => {
  const content = {
    users: { [ALICE]: 100, [BOB]: '75' },
    users_default: 10,
    events: { 'm.room.name': 60, 'm.room.message': 5 },
    events_default: 1,
    state_default: 40,
    notifications: { room: 20 },
  };
  const v9 = PowerLevels.fromContent(content, v('9'));
  assert.equal(v9.userLevel(ALICE), 100);
  assert.equal(v9.userLevel(BOB), 75);
  assert.equal(v9.userLevel('@other:x'), 10);
  assert.equal(v9.requiredLevel('m.room.name', true), 60);
  assert.equal(v9.requiredLevel('m.room.message', false), 5);
  assert.equal(v9.requiredLevel('m.room.topic', true), 40);
  assert.equal(v9.requiredLevel('m.custom', false), 1);
  assert.equal(v9.eventLevel('m.custom'), undefined);
  assert.equal(v9.notificationLevel('room'), 20);
  // The same stringy entry is unreadable in v10: reading it rejects cleanly.
  const v10 = PowerLevels.fromContent(content, v('10'));
  assert.equal(v10.userLevel(ALICE), 100);
  assert.throws(() => v10.userLevel(BOB), InvalidPowerLevelsError);
});

test('power levels: malformed contents throw InvalidPowerLevelsError, an AuthError, only for the reads that need them', () => {
  const levels = PowerLevels.fromContent({ users: 'x', events: [1], ban: {}, notifications: 5, kick: 30 }, v('11'));
  for (const read of [() => levels.userLevel(ALICE), () => levels.requiredLevel('m.room.name', true), () => levels.ban, () => levels.notificationLevel()]) {
    assert.throws(read, (e: unknown) => e instanceof InvalidPowerLevelsError && e instanceof AuthError);
  }
  assert.equal(levels.kick, 30);
  assert.equal(levels.invite, 0);
});
