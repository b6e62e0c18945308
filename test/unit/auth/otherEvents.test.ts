/**
 * The rules after membership: sender must be joined (5), m.room.third_party_invite (6), required power level (7),
 * user-ID state keys (8), v1-v5 m.room.aliases (4 there), v1/v2 redactions (11 there), and "Handling redactions".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError } from '../../../core/auth/authError.ts';
import { checkEventAuthAgainstState } from '../../../core/auth/eventAuth.ts';
import { checkRedactionAllowed, isRedactionAllowed } from '../../../core/auth/redactionAuth.ts';
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, RoomFixture, assertAllowed, assertRejected } from '../../support/roomFixture.ts';

test('5 sender not joined: messages and state from non-members are rejected', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version);
    assertRejected(room, room.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }), /sender @bob:b\.test is not joined/);
    room.join(BOB);
    room.apply(room.memberSpec(BOB, BOB, 'leave'));
    assertRejected(room, room.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }), /is not joined/);
    assertRejected(room, room.build({ type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 't' } }), /is not joined/);
  }
});

test('6 m.room.third_party_invite: allowed iff the sender has the invite level (events entries do not matter)', () => {
  for (const version of ['1', '6', '11']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100 }, invite: 20, events: { 'm.room.third_party_invite': 100 } } });
    room.join(BOB);
    const invite = (sender: string) =>
      room.build({ type: 'm.room.third_party_invite', sender, stateKey: 'tok', content: { display_name: 'x', public_key: 'AAAA' } });
    assertRejected(room, invite(BOB), /power level of @bob:b\.test \(0\) is below the invite level \(20\)/);
    room.setPowerLevels({ users: { [ALICE]: 100, [BOB]: 20 }, invite: 20, events: { 'm.room.third_party_invite': 100 } });
    assertAllowed(room, invite(BOB));
  }
});

test('7 required power level: events entries, else events_default for messages and state_default for state', () => {
  for (const version of ['1', '6', '11']) {
    const room = RoomFixture.room(version, {
      powerLevels: { users: { [ALICE]: 100, [BOB]: 10 }, events_default: 10, state_default: 20, events: { 'm.room.topic': 5, 'm.reaction': 50 } },
    });
    room.join(BOB);
    room.join(CAROL);
    assertAllowed(room, room.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }));
    assertRejected(room, room.build({ type: 'm.room.message', sender: CAROL, content: { body: 'x' } }), /\(0\) is below the level required for m\.room\.message \(10\)/);
    assertRejected(room, room.build({ type: 'm.reaction', sender: BOB, content: {} }), /below the level required for m\.reaction \(50\)/);
    assertAllowed(room, room.build({ type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 't' } }));
    assertRejected(room, room.build({ type: 'm.room.name', sender: BOB, stateKey: '', content: { name: 'n' } }), /required for m\.room\.name \(20\)/);
  }
});

test('7 required power level: without a power-levels event state needs 50 and the creator has 100', () => {
  for (const version of ['1', '10', '11']) {
    const room = RoomFixture.room(version, { powerLevels: null });
    room.join(BOB);
    assertAllowed(room, room.build({ type: 'm.room.name', sender: ALICE, stateKey: '', content: { name: 'n' } }));
    assertAllowed(room, room.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }));
    assertRejected(room, room.build({ type: 'm.room.name', sender: BOB, stateKey: '', content: { name: 'n' } }), /\(0\) is below the level required for m\.room\.name \(50\)/);
  }
});

test('8 state keys: a state_key starting with @ must be the sender', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    assertRejected(room, room.build({ type: 'm.custom', sender: ALICE, stateKey: BOB, content: {} }), /state_key @bob:b\.test is a user ID other than the sender's/);
    assertRejected(room, room.build({ type: 'm.custom', sender: ALICE, stateKey: '@', content: {} }), /other than the sender's/);
    assertAllowed(room, room.build({ type: 'm.custom', sender: ALICE, stateKey: ALICE, content: {} }));
    assertAllowed(room, room.build({ type: 'm.custom', sender: ALICE, stateKey: 'x@y', content: {} }));
  }
});

test('4 (v1-v5) m.room.aliases: the state_key must be the sender domain; membership and power do not matter', () => {
  for (const version of ['1', '2', '3', '4', '5']) {
    const room = RoomFixture.room(version);
    assertAllowed(room, room.build({ type: 'm.room.aliases', sender: BOB, stateKey: 'b.test', content: { aliases: ['#x:b.test'] } }));
    assertRejected(room, room.build({ type: 'm.room.aliases', sender: BOB, stateKey: 'a.test', content: { aliases: [] } }), /not the sender's domain b\.test/);
    assertRejected(room, room.build({ type: 'm.room.aliases', sender: BOB, content: { aliases: [] } }), /m\.room\.aliases has no state_key/);
  }
});

test('v6+ m.room.aliases: an ordinary state event', () => {
  for (const version of ['6', '7', '11']) {
    const room = RoomFixture.room(version);
    assertRejected(room, room.build({ type: 'm.room.aliases', sender: BOB, stateKey: 'b.test', content: { aliases: [] } }), /not joined/);
    room.join(BOB);
    assertRejected(room, room.build({ type: 'm.room.aliases', sender: BOB, stateKey: 'b.test', content: { aliases: [] } }), /required for m\.room\.aliases \(50\)/);
    assertAllowed(room, room.build({ type: 'm.room.aliases', sender: ALICE, stateKey: 'b.test', content: { aliases: [] } }));
  }
});

test('11 (v1/v2) redaction: allowed with the redact level or for an event ID of the same server', () => {
  for (const version of ['1', '2']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100 }, redact: 50 } });
    room.join(BOB);
    room.join(DAVE);
    const aliceMessage = room.force({ type: 'm.room.message', sender: ALICE, content: { body: 'a' } });
    const bobMessage = room.force({ type: 'm.room.message', sender: BOB, content: { body: 'b' } });
    // Alice has the redact level.
    assertAllowed(room, room.build({ type: 'm.room.redaction', sender: ALICE, content: {}, redacts: bobMessage.eventId }));
    // Bob's redaction of his own event: same event ID server.
    assertAllowed(room, room.build({ type: 'm.room.redaction', sender: BOB, content: {}, redacts: bobMessage.eventId }));
    // Bob redacting Alice's event: other server, below the redact level.
    assertRejected(room, room.build({ type: 'm.room.redaction', sender: BOB, content: {}, redacts: aliceMessage.eventId }), /below the redact level \(50\) and the redacted event is from another server/);
    // Dave is on Alice's server: the event IDs match.
    assertAllowed(room, room.build({ type: 'm.room.redaction', sender: DAVE, content: {}, redacts: aliceMessage.eventId }));
    // A redacts that is not a string is rejected cleanly.
    for (const redacts of [5, null, ['$x:b.test'], { id: '$x' }]) {
      const odd = room.buildRaw({ type: 'm.room.redaction', sender: BOB, content: {} }, (pdu) => {
        pdu.redacts = redacts;
      });
      assert.equal(odd.redacts, null);
      assertRejected(room, odd, /below the redact level/);
    }
  }
});

test('v3+ redaction: the auth rules allow any redaction the sender may send; the redact level is not consulted', () => {
  for (const version of ['3', '6', '10', '11']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100 }, redact: 50 } });
    room.join(BOB);
    const aliceMessage = room.force({ type: 'm.room.message', sender: ALICE, content: { body: 'a' } });
    assertAllowed(room, room.build({ type: 'm.room.redaction', sender: BOB, content: {}, redacts: aliceMessage.eventId }));
    const odd = room.buildRaw({ type: 'm.room.redaction', sender: BOB, content: {} }, (pdu) => {
      if (room.version.redactsInContent) (pdu.content as { redacts?: unknown }).redacts = 5;
      else pdu.redacts = 5;
    });
    assert.equal(odd.redacts, null);
    assertAllowed(room, odd);
    room.setPowerLevels({ users: { [ALICE]: 100 }, events: { 'm.room.redaction': 10 } });
    assertRejected(room, room.build({ type: 'm.room.redaction', sender: BOB, content: {}, redacts: aliceMessage.eventId }), /required for m\.room\.redaction \(10\)/);
  }
});

test('handling redactions (v3+): redact level, or the same server as the original sender', () => {
  for (const version of ['3', '9', '11']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100 }, redact: 50 } });
    room.join(BOB);
    room.join(DAVE);
    const aliceMessage = room.force({ type: 'm.room.message', sender: ALICE, content: { body: 'a' } });
    const bobMessage = room.force({ type: 'm.room.message', sender: BOB, content: { body: 'b' } });
    const redaction = (sender: string, target: string) => room.build({ type: 'm.room.redaction', sender, content: {}, redacts: target });

    checkRedactionAllowed(redaction(ALICE, bobMessage.eventId), bobMessage, room.state); // redact level
    checkRedactionAllowed(redaction(BOB, bobMessage.eventId), bobMessage, room.state); // own server
    checkRedactionAllowed(redaction(DAVE, aliceMessage.eventId), aliceMessage, room.state); // same server as Alice
    assert.throws(
      () => checkRedactionAllowed(redaction(BOB, aliceMessage.eventId), aliceMessage, room.state),
      (e: unknown) => e instanceof AuthError && /power level of @bob:b\.test \(0\) is below the redact level \(50\)/.test(e.message),
    );
    assert.equal(isRedactionAllowed(redaction(BOB, aliceMessage.eventId), aliceMessage, room.state), false);
    room.setPowerLevels({ users: { [ALICE]: 100, [BOB]: 50 }, redact: 50 });
    assert.equal(isRedactionAllowed(redaction(BOB, aliceMessage.eventId), aliceMessage, room.state), true);
  }
});

test('handling redactions: v1/v2 compare event ID servers', () => {
  const room = RoomFixture.room('1', { powerLevels: { users: { [ALICE]: 100 }, redact: 50 } });
  room.join(BOB);
  const aliceMessage = room.force({ type: 'm.room.message', sender: ALICE, content: { body: 'a' } });
  const bobMessage = room.force({ type: 'm.room.message', sender: BOB, content: { body: 'b' } });
  assert.equal(isRedactionAllowed(room.build({ type: 'm.room.redaction', sender: BOB, content: {}, redacts: bobMessage.eventId }), bobMessage, room.state), true);
  assert.equal(isRedactionAllowed(room.build({ type: 'm.room.redaction', sender: BOB, content: {}, redacts: aliceMessage.eventId }), aliceMessage, room.state), false);
});

test('handling redactions: a redaction with no string redacts, or another target, redacts nothing', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    const message = room.force({ type: 'm.room.message', sender: ALICE, content: { body: 'a' } });
    const other = room.force({ type: 'm.room.message', sender: ALICE, content: { body: 'b' } });
    for (const redacts of [null, 5, [message.eventId]]) {
      const odd = room.buildRaw({ type: 'm.room.redaction', sender: ALICE, content: {} }, (pdu) => {
        if (room.version.redactsInContent) (pdu.content as { redacts?: unknown }).redacts = redacts;
        else pdu.redacts = redacts;
      });
      assert.throws(() => checkRedactionAllowed(odd, message, room.state), (e: unknown) => e instanceof AuthError && /no \(string\) redacts/.test(e.message));
      // The event passes (or fails) the auth rules without crashing.
      assert.doesNotThrow(() => checkEventAuthAgainstState(odd, room.state));
    }
    const redaction = room.build({ type: 'm.room.redaction', sender: ALICE, content: {}, redacts: other.eventId });
    assert.equal(isRedactionAllowed(redaction, message, room.state), false);
    assert.equal(isRedactionAllowed(message, message, room.state), false);
  }
});
