/**
 * The m.room.power_levels rule (rule 9 from v3, 10 in v1/v2): validation of the new content per room version, and
 * which changes a sender may make relative to their own level.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { AuthError } from '../../../core/auth/authError.ts';
import { checkEventAuthAgainstState } from '../../../core/auth/eventAuth.ts';
import { RoomEvent } from '../../../core/events/roomEvent.ts';
import { getRoomVersion, type RoomVersion } from '../../../core/events/roomVersions.ts';
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, RoomFixture, assertAllowed, assertRejected } from '../../support/roomFixture.ts';

const versionsWhere = (predicate: (v: RoomVersion) => boolean) => ALL_VERSIONS.filter((id) => predicate(getRoomVersion(id)));

function base(): JsonObject {
  return {
    users: { [ALICE]: 100, [BOB]: 50, [DAVE]: 50, [CAROL]: 20 },
    users_default: 0,
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    events: { 'm.room.power_levels': 50, 'm.room.name': 50, 'm.room.tombstone': 100 },
    notifications: { room: 50 },
  };
}

/** A room with `base()` power levels where Bob (50), Carol (20) and Dave (50) are joined. */
function room(version: string, powerLevels: JsonObject = base()): RoomFixture {
  const r = RoomFixture.room(version, { powerLevels });
  r.join(BOB);
  r.join(CAROL);
  r.join(DAVE);
  return r;
}

function change(r: RoomFixture, edit: (content: JsonObject) => void, sender = BOB) {
  const current = r.state.get('["m.room.power_levels",""]');
  const content = structuredClone(current ? current.content : base());
  edit(content);
  return r.build({ type: 'm.room.power_levels', sender, stateKey: '', content });
}

const users = (c: JsonObject) => c.users as JsonObject;
const events = (c: JsonObject) => c.events as JsonObject;

test('9 power levels: the sender needs the level required for m.room.power_levels (rule 7)', () => {
  for (const version of ['1', '11']) {
    const r = room(version);
    assertRejected(r, change(r, (c) => (users(c)[CAROL] = 10), CAROL), /below the level required for m\.room\.power_levels \(50\)/);
  }
});

test('9.8/9.9 users: raising a user to your own level is allowed; above it is rejected', () => {
  for (const version of ['1', '6', '11']) {
    const r = room(version);
    assertAllowed(r, change(r, (c) => (users(c)[CAROL] = 50)));
    assertAllowed(r, change(r, (c) => (users(c)['@new:n.test'] = 50)));
    assertRejected(r, change(r, (c) => (users(c)[CAROL] = 51)), /the new level of @carol:c\.test \(51\) is above the sender's power level \(50\)/);
    assertRejected(r, change(r, (c) => (users(c)['@new:n.test'] = 75)), /above the sender's power level/);
  }
});

test('9.8 users: changing or removing a user at or above your level is rejected', () => {
  for (const version of ['1', '6', '11']) {
    const r = room(version);
    // Dave is at Bob's level.
    assertRejected(r, change(r, (c) => (users(c)[DAVE] = 10)), /cannot change the level of @dave:a\.test \(50\), which is not below/);
    assertRejected(r, change(r, (c) => delete users(c)[DAVE]), /cannot change the level of @dave:a\.test/);
    // Alice is above.
    assertRejected(r, change(r, (c) => (users(c)[ALICE] = 50)), /cannot change the level of @alice:a\.test \(100\)/);
    // Carol is below: lowering or removing her is fine.
    assertAllowed(r, change(r, (c) => (users(c)[CAROL] = 0)));
    assertAllowed(r, change(r, (c) => delete users(c)[CAROL]));
  }
});

test('9.8 users: the sender may lower or remove their own entry, not raise it', () => {
  for (const version of ['1', '11']) {
    const r = room(version);
    assertAllowed(r, change(r, (c) => (users(c)[BOB] = 10)));
    assertAllowed(r, change(r, (c) => delete users(c)[BOB]));
    assertRejected(r, change(r, (c) => (users(c)[BOB] = 60)), /new level of @bob:b\.test \(60\) is above/);
  }
});

test('9.5 named levels: users_default/events_default/state_default/ban/kick/redact/invite above your level are rejected', () => {
  for (const version of ['1', '6', '11']) {
    for (const name of ['users_default', 'events_default', 'state_default', 'ban', 'kick', 'redact', 'invite']) {
      const r = room(version);
      assertAllowed(r, change(r, (c) => (c[name] = 50)));
      assertAllowed(r, change(r, (c) => (c[name] = 1)));
      assertRejected(r, change(r, (c) => (c[name] = 51)), new RegExp(`the new "${name}" \\(51\\) is above the sender's power level \\(50\\)`));
      // A current value above the sender's level cannot be touched, not even lowered or removed.
      r.setPowerLevels({ ...base(), [name]: 75 });
      assertRejected(r, change(r, (c) => (c[name] = 10)), new RegExp(`the current "${name}" \\(75\\) is above`));
      assertRejected(r, change(r, (c) => delete c[name]), new RegExp(`the current "${name}" \\(75\\)`));
      // Adding a value that was absent counts as a change.
      const absent = structuredClone(base());
      delete absent[name];
      r.setPowerLevels(absent);
      assertRejected(r, change(r, (c) => (c[name] = 60)), /is above the sender's power level/);
    }
  }
});

test('9.6/9.7 events: entries above your level cannot be added, changed or removed', () => {
  for (const version of ['1', '6', '11']) {
    const r = room(version);
    assertAllowed(r, change(r, (c) => (events(c)['m.room.topic'] = 50)));
    assertRejected(r, change(r, (c) => (events(c)['m.room.topic'] = 60)), /the new events\["m\.room\.topic"\] \(60\) is above/);
    assertRejected(r, change(r, (c) => (events(c)['m.room.tombstone'] = 50)), /the current events\["m\.room\.tombstone"\] \(100\) is above/);
    assertRejected(r, change(r, (c) => delete events(c)['m.room.tombstone']), /the current events\["m\.room\.tombstone"\]/);
    assertAllowed(r, change(r, (c) => delete events(c)['m.room.name']));
    // Unchanged entries above the sender's level are fine.
    assertAllowed(r, change(r, (c) => (c.ban = 40)));
  }
});

test('9.6/9.7 notifications: checked like events from v6 only', () => {
  for (const version of ALL_VERSIONS) {
    const r = room(version);
    const raise = change(r, (c) => ((c.notifications as JsonObject).room = 100));
    r.setPowerLevels({ ...base(), notifications: { room: 100 } });
    const lower = change(r, (c) => ((c.notifications as JsonObject).room = 0));
    r.setPowerLevels(base());
    if (r.version.limitNotificationsPowerLevels) {
      assertRejected(r, raise, /the new notifications\["room"\] \(100\) is above/);
      r.setPowerLevels({ ...base(), notifications: { room: 100 } });
      assertRejected(r, lower, /the current notifications\["room"\] \(100\) is above/);
    } else {
      assertAllowed(r, raise);
      r.setPowerLevels({ ...base(), notifications: { room: 100 } });
      assertAllowed(r, lower);
    }
  }
});

test('9.1/9.2/9.3 stringy levels: accepted v1-v9, rejected from v10', () => {
  for (const version of ALL_VERSIONS) {
    const stringy: [string, (c: JsonObject) => void, RegExp][] = [
      ['users', (c) => (users(c)[CAROL] = '30'), /users\["@carol:c\.test"\] is a string/],
      ['named', (c) => (c.kick = ' 40 '), /"kick" is a string/],
      ['events', (c) => (events(c)['m.room.topic'] = '+050'), /events\["m\.room\.topic"\] is a string/],
      ['notifications', (c) => ((c.notifications as JsonObject).room = '20'), /notifications\["room"\] is a string/],
    ];
    for (const [what, edit, reason] of stringy) {
      const r = room(version);
      const event = change(r, edit);
      if (r.version.integerPowerLevels) assertRejected(r, event, reason);
      else assert.doesNotThrow(() => assertAllowed(r, event), `v${version} stringy ${what}`);
    }
  }
});

test('9.5 stringy levels: a string equal to the current number is no change (v1-v9); a stringy raise is still checked', () => {
  for (const version of versionsWhere((v) => !v.integerPowerLevels)) {
    const r = room(version);
    assertAllowed(r, change(r, (c) => (events(c)['m.room.tombstone'] = ' 0100')));
    assertRejected(r, change(r, (c) => (users(c)[CAROL] = '51')), /new level of @carol:c\.test \(51\) is above/);
    assertRejected(r, change(r, (c) => (users(c)[CAROL] = '2.5')), /is not an integer string/);
  }
});

test('9 floats: accepted and truncated v1-v5; rejected from v6', () => {
  for (const version of versionsWhere((v) => !v.strictCanonicalJson)) {
    const r = room(version);
    // 50.9 truncates to 50: the sender's own level.
    assertAllowed(r, change(r, (c) => (users(c)[CAROL] = 50.9)));
    assertAllowed(r, change(r, (c) => (c.ban = 50.57)));
    assertRejected(r, change(r, (c) => (users(c)[CAROL] = 51.2)), /new level of @carol:c\.test \(51\) is above/);
  }
  // Floats cannot even be built into v6+ events (strict canonical JSON); auth refuses them all the same.
  for (const version of versionsWhere((v) => v.strictCanonicalJson)) {
    const r = room(version);
    const built = change(r, (c) => (c.ban = 40));
    const pdu = structuredClone(built.pdu);
    (pdu.content as JsonObject).ban = 40.5;
    const floaty = RoomEvent.fromTrusted(pdu, r.version, built.eventId);
    assert.throws(() => checkEventAuthAgainstState(floaty, r.state), (e: unknown) => e instanceof AuthError && /"ban" is not an integer/.test(e.message));
  }
});

test('9.3 users: keys must be valid user IDs and values levels, in every version', () => {
  for (const version of ALL_VERSIONS) {
    const r = room(version);
    for (const bad of ['carol', '@nocolon', '@a:bad server', '', '#room:a.test', '@a:' + 'x'.repeat(300)]) {
      assertRejected(r, change(r, (c) => (users(c)[bad] = 0)), /is not a valid user ID/);
    }
    for (const value of [null, true, [], {}, 'x']) {
      assertRejected(r, change(r, (c) => (users(c)[CAROL] = value)), /users\["@carol:c\.test"\]/);
    }
    for (const value of ['x', 5, [], null]) {
      assertRejected(r, change(r, (c) => (c.users = value)), /"users" is .*, not an object/);
    }
  }
});

test('9.4 power levels: without a previous power-levels event anything well formed is allowed', () => {
  for (const version of ALL_VERSIONS) {
    const r = RoomFixture.room(version, { powerLevels: null });
    // Alice is the creator (100 by default) and may set levels far above her own.
    assertAllowed(r, r.build({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 1000 }, ban: 5000 } }));
    // Not-yet-comparable junk outside `users`: allowed before v10 (the spec validates only `users`), rejected from v10.
    const junk = r.build({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 100 }, ban: 'lots' } });
    if (r.version.integerPowerLevels) assertRejected(r, junk, /"ban" is a string/);
    else assertAllowed(r, junk);
  }
});

test('9.1/9.2 v10+: named levels must be integers, events and notifications objects of integers', () => {
  for (const version of versionsWhere((v) => v.integerPowerLevels)) {
    const r = room(version);
    for (const [edit, reason] of [
      [(c: JsonObject) => (c.ban = null), /"ban" is null, not an integer/],
      [(c: JsonObject) => (c.state_default = true), /"state_default" is a boolean/],
      [(c: JsonObject) => (c.events = []), /"events" is an array, not an object/],
      [(c: JsonObject) => (c.notifications = 5), /"notifications" is an integer, not an object/],
      [(c: JsonObject) => (events(c)['m.room.name'] = { level: 5 }), /events\["m\.room\.name"\] is an object/],
    ] as [(c: JsonObject) => void, RegExp][]) {
      assertRejected(r, change(r, edit), reason);
    }
  }
});

test('9.5 v1-v9: values that cannot be compared with the previous event are rejected', () => {
  for (const version of versionsWhere((v) => !v.integerPowerLevels)) {
    const r = room(version);
    assertRejected(r, change(r, (c) => (c.ban = 'many')), /"ban" \("many"\) is not an integer string/);
    assertRejected(r, change(r, (c) => (c.events = ['m.room.name'])), /"events" is an array, not an object/);
    assertRejected(r, change(r, (c) => (c.kick = null)), /"kick" is null/);
  }
});

test('9 power levels: a sender may change everything below their own level at once', () => {
  for (const version of ALL_VERSIONS) {
    const r = room(version);
    // Alice (100) restructures everything below her level.
    assertAllowed(r, change(r, (c) => {
      users(c)[BOB] = 99;
      users(c)[DAVE] = 0;
      c.ban = 100;
      events(c)['m.room.tombstone'] = 99;
    }, ALICE));
  }
});
