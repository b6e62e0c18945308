/**
 * The m.room.member rules (rule 4 from v3, rule 5 in v1/v2): joins under each join rule, invites, leaves and kicks,
 * bans and unbans, knocks. Numbering follows v10/v11; each test runs on every version where the rule differs.
 */
import { test } from 'node:test';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { getRoomVersion, type RoomVersion } from '../../../core/events/roomVersions.ts';
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, RoomFixture, assertAllowed, assertRejected } from '../../support/roomFixture.ts';

const versionsWhere = (predicate: (v: RoomVersion) => boolean) => ALL_VERSIONS.filter((id) => predicate(getRoomVersion(id)));
const member = (room: RoomFixture, sender: string, target: string, membership: string, extra = {}) =>
  room.build(room.memberSpec(sender, target, membership, extra));

// --- 4.1 shape -------------------------------------------------------------------------------------------------

test('4.1 member: no state_key, no membership, or an unknown membership is rejected', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    assertRejected(room, room.build({ type: 'm.room.member', sender: BOB, content: { membership: 'join' } }), /no state_key/);
    assertRejected(room, room.build({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: {} }), /no membership/);
    assertRejected(room, member(room, BOB, BOB, 'dance'), /unknown membership "dance"/);
  }
});

// --- 4.3 join ----------------------------------------------------------------------------------------------------

test('4.3.1 first join (v1-v10): the content.creator joining right after the create event is allowed', () => {
  for (const version of versionsWhere((v) => !v.implicitRoomCreator)) {
    const room = new RoomFixture(version);
    // Created by Alice on behalf of Dave (same server): the creator is content.creator.
    room.create = room.force({ type: 'm.room.create', sender: ALICE, stateKey: '', content: { creator: DAVE } });
    assertAllowed(room, member(room, DAVE, DAVE, 'join'));
    // Alice is not the creator: no join rules event means invite-only, and she is not invited.
    assertRejected(room, member(room, ALICE, ALICE, 'join'), /join rule is invite/);
  }
});

test('4.3.1 first join (v11): the create event sender joining right after it is allowed; content.creator is ignored', () => {
  const room = new RoomFixture('11');
  room.create = room.force({ type: 'm.room.create', sender: ALICE, stateKey: '', content: { creator: DAVE } });
  assertAllowed(room, member(room, ALICE, ALICE, 'join'));
  assertRejected(room, member(room, DAVE, DAVE, 'join'), /join rule is invite/);
});

test('4.3.1 first join: only when the create event is the only previous event', () => {
  for (const version of ['1', '10', '11']) {
    const room = new RoomFixture(version);
    const content: JsonObject = room.version.implicitRoomCreator ? {} : { creator: ALICE };
    room.create = room.force({ type: 'm.room.create', sender: ALICE, stateKey: '', content });
    const other = room.build({ type: 'm.room.message', sender: ALICE, content: {}, prevEvents: [room.create] });
    const join = room.build({ ...room.memberSpec(ALICE, ALICE, 'join'), prevEvents: [room.create, other] });
    assertRejected(room, join, /join rule is invite/);
  }
});

test('4.3.2 join: the sender must be the state_key', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    room.join(BOB);
    assertRejected(room, member(room, BOB, CAROL, 'join'), /cannot join on behalf of/);
  }
});

test('4.3.3 join: a banned sender is rejected, even in a public room', () => {
  for (const version of ['1', '7', '11']) {
    const room = RoomFixture.room(version);
    room.forceMembership(BOB, 'ban', ALICE);
    assertRejected(room, member(room, BOB, BOB, 'join'), /sender is banned/);
  }
});

test('4.3.4 join rule invite: only invited or joined users may join', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version, { joinRule: 'invite' });
    assertRejected(room, member(room, BOB, BOB, 'join'), /join rule is invite/);
    room.invite(ALICE, BOB);
    room.join(BOB);
    // Already joined (a profile change).
    room.join(BOB, { displayname: 'Bob' });
  }
});

test('4.3.4 join rule knock (v7+): acts like invite; before v7 it is an unknown rule and nobody may join', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version, { joinRule: 'knock' });
    room.forceMembership(BOB, 'invite', ALICE);
    room.forceMembership(CAROL, 'leave');
    if (room.version.knock) {
      assertAllowed(room, member(room, BOB, BOB, 'join'));
      assertRejected(room, member(room, CAROL, CAROL, 'join'), /join rule is knock/);
    } else {
      assertRejected(room, member(room, BOB, BOB, 'join'), /join rule is "knock"/);
    }
  }
});

test('4.3.6 join rule public: anyone not banned may join', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version, { joinRule: 'public' });
    room.join(BOB);
  }
});

test('4.3.7 join: a room without join rules is invite-only; an unknown or malformed join rule admits nobody', () => {
  for (const version of ['1', '11']) {
    const none = RoomFixture.room(version, { joinRule: null });
    assertRejected(none, member(none, BOB, BOB, 'join'), /join rule is invite/);
    const odd = RoomFixture.room(version, { joinRule: 'private' });
    assertRejected(odd, member(odd, BOB, BOB, 'join'), /join rule is "private"/);
    const malformed = RoomFixture.room(version);
    malformed.setJoinRule({ join_rule: 5 });
    assertRejected(malformed, member(malformed, BOB, BOB, 'join'), /join rule is null/);
  }
});

// --- restricted and knock_restricted -----------------------------------------------------------------------------

/** A restricted room where Alice (100) can authorise, Dave is joined at level 0, and invite needs 50. */
function restrictedRoom(version: string, joinRule: string): RoomFixture {
  const room = RoomFixture.room(version, { joinRule, powerLevels: { users: { [ALICE]: 100 }, invite: 50 } });
  room.forceMembership(DAVE, 'join');
  return room;
}

const viaJoin = (room: RoomFixture, authoriser: string, signWith: string | null) => {
  const join = member(room, CAROL, CAROL, 'join', { join_authorised_via_users_server: authoriser });
  return signWith ? room.countersign(join, signWith) : join;
};

for (const joinRule of ['restricted', 'knock_restricted']) {
  const supported = (v: RoomVersion) => (joinRule === 'restricted' ? v.restrictedJoinRule : v.knockRestrictedJoinRule);

  test(`4.3.5 ${joinRule} join: a joined authoriser with invite power, signed by its server, is allowed`, () => {
    for (const version of versionsWhere(supported)) {
      const room = restrictedRoom(version, joinRule);
      assertAllowed(room, viaJoin(room, ALICE, 'a.test'));
    }
  });

  test(`4.3.5.1 ${joinRule} join: invited or joined users need no authoriser`, () => {
    for (const version of versionsWhere(supported)) {
      const room = restrictedRoom(version, joinRule);
      room.forceMembership(CAROL, 'invite', ALICE);
      assertAllowed(room, member(room, CAROL, CAROL, 'join'));
    }
  });

  test(`4.2 ${joinRule} join: join_authorised_via_users_server without the authorising server's signature is rejected`, () => {
    for (const version of versionsWhere(supported)) {
      const room = restrictedRoom(version, joinRule);
      assertRejected(room, viaJoin(room, ALICE, null), /not signed by the authorising server a\.test/);
      // Signed by some other server does not help.
      assertRejected(room, viaJoin(room, ALICE, 'b.test'), /not signed by the authorising server a\.test/);
      // The injected predicate decides validity (e.g. a key ring that found the signature bad).
      const signed = viaJoin(room, ALICE, 'a.test');
      assertRejected(room, signed, /not signed by the authorising server/, { isSignedBy: (server) => server !== 'a.test' });
    }
  });

  test(`4.3.5.2 ${joinRule} join: an authoriser who is not joined is rejected`, () => {
    for (const version of versionsWhere(supported)) {
      const room = restrictedRoom(version, joinRule);
      room.forceMembership(ALICE, 'leave');
      assertRejected(room, viaJoin(room, ALICE, 'a.test'), /authorising user @alice:a\.test is not joined/);
    }
  });

  test(`4.3.5.2 ${joinRule} join: an authoriser without invite power is rejected`, () => {
    for (const version of versionsWhere(supported)) {
      const room = restrictedRoom(version, joinRule);
      assertRejected(room, viaJoin(room, DAVE, 'a.test'), /power level of authorising user @dave:a\.test \(0\) is below the invite level \(50\)/);
    }
  });

  test(`4.3.5.2 ${joinRule} join: no authoriser at all is rejected`, () => {
    for (const version of versionsWhere(supported)) {
      const room = restrictedRoom(version, joinRule);
      assertRejected(room, member(room, CAROL, CAROL, 'join'), /has no join_authorised_via_users_server/);
      assertRejected(room, viaJoin(room, 'not a user', 'a.test'), /not a user ID/);
    }
  });

  test(`4.3.5 ${joinRule} join rule is unknown before its room version`, () => {
    for (const version of versionsWhere((v) => !supported(v))) {
      const room = restrictedRoom(version, joinRule);
      const join = room.version.restrictedJoinRule ? viaJoin(room, ALICE, 'a.test') : member(room, CAROL, CAROL, 'join');
      assertRejected(room, join, new RegExp(`join rule is "${joinRule}"`));
    }
  });
}

// --- 4.4 invite -------------------------------------------------------------------------------------------------

test('4.4.2 invite: the inviter must be joined', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    assertRejected(room, member(room, BOB, CAROL, 'invite'), /inviter @bob:b\.test is not joined/);
  }
});

test('4.4.3 invite: a joined or banned target cannot be invited', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version);
    room.join(BOB);
    assertRejected(room, member(room, ALICE, BOB, 'invite'), /already joined/);
    room.forceMembership(CAROL, 'ban', ALICE);
    assertRejected(room, member(room, ALICE, CAROL, 'invite'), /is banned/);
  }
});

test('4.4.4 invite: the inviter needs the invite level', () => {
  for (const version of ['1', '6', '11']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100 }, invite: 10 } });
    room.join(BOB);
    assertRejected(room, member(room, BOB, CAROL, 'invite'), /power level of @bob:b\.test \(0\) is below the invite level \(10\)/);
    room.setPowerLevels({ users: { [ALICE]: 100, [BOB]: 10 }, invite: 10 });
    assertAllowed(room, member(room, BOB, CAROL, 'invite'));
    // Re-inviting someone already invited is fine.
    room.invite(BOB, CAROL);
    assertAllowed(room, member(room, BOB, CAROL, 'invite'));
  }
});

// --- 4.5 leave --------------------------------------------------------------------------------------------------

test('4.5.1 leave: users may leave from join or invite, not from leave or ban; from knock only v7+', () => {
  for (const version of ALL_VERSIONS) {
    const room = RoomFixture.room(version);
    room.join(BOB);
    assertAllowed(room, member(room, BOB, BOB, 'leave'));
    room.forceMembership(CAROL, 'invite', ALICE);
    assertAllowed(room, member(room, CAROL, CAROL, 'leave'));
    assertRejected(room, member(room, DAVE, DAVE, 'leave'), /cannot leave from membership "leave"/);
    room.forceMembership(DAVE, 'ban', ALICE);
    assertRejected(room, member(room, DAVE, DAVE, 'leave'), /cannot leave from membership "ban"/);
    room.forceMembership(DAVE, 'knock');
    if (room.version.knock) assertAllowed(room, member(room, DAVE, DAVE, 'leave'));
    else assertRejected(room, member(room, DAVE, DAVE, 'leave'), /cannot leave from membership "knock"/);
  }
});

test('4.5.2 kick: the kicker must be joined', () => {
  const room = RoomFixture.room('11', { powerLevels: { users: { [ALICE]: 100, [BOB]: 100 } } });
  room.join(CAROL);
  room.forceMembership(BOB, 'leave');
  assertRejected(room, member(room, BOB, CAROL, 'leave'), /sender @bob:b\.test is not joined/);
});

test('4.5.3 unban: needs the kick level and the ban level', () => {
  for (const version of ['1', '3', '11']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100, [BOB]: 60 }, kick: 50, ban: 70 } });
    room.join(BOB);
    room.forceMembership(CAROL, 'ban', ALICE);
    // Kick level but not ban level.
    assertRejected(room, member(room, BOB, CAROL, 'leave'), /unban: power level of @bob:b\.test \(60\) is below the ban level \(70\)/);
    // Ban level but not kick level.
    room.setPowerLevels({ users: { [ALICE]: 100, [BOB]: 60 }, kick: 70, ban: 50 });
    assertRejected(room, member(room, BOB, CAROL, 'leave'), /below the kick level \(70\)/);
    // Both.
    room.setPowerLevels({ users: { [ALICE]: 100, [BOB]: 60 }, kick: 50, ban: 50 });
    assertAllowed(room, member(room, BOB, CAROL, 'leave'));
  }
});

test('4.5.4 kick: needs the kick level and a target strictly below the sender', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100, [BOB]: 50, [DAVE]: 50 } } });
    room.join(BOB);
    room.join(CAROL);
    room.join(DAVE);
    assertAllowed(room, member(room, BOB, CAROL, 'leave'));
    assertRejected(room, member(room, BOB, DAVE, 'leave'), /power level of @dave:a\.test \(50\) is not below that of @bob:b\.test \(50\)/);
    assertRejected(room, member(room, BOB, ALICE, 'leave'), /\(100\) is not below/);
    assertRejected(room, member(room, CAROL, DAVE, 'leave'), /power level of @carol:c\.test \(0\) is below the kick level \(50\)/);
    // Revoking an invite is a kick too.
    room.forceMembership('@eve:e.test', 'invite', ALICE);
    assertAllowed(room, member(room, BOB, '@eve:e.test', 'leave'));
  }
});

// --- 4.6 ban ----------------------------------------------------------------------------------------------------

test('4.6.1 ban: the sender must be joined', () => {
  const room = RoomFixture.room('11', { powerLevels: { users: { [ALICE]: 100, [BOB]: 100 } } });
  assertRejected(room, member(room, BOB, CAROL, 'ban'), /sender @bob:b\.test is not joined/);
});

test('4.6.2 ban: needs the ban level and a target strictly below the sender', () => {
  for (const version of ['1', '6', '11']) {
    const room = RoomFixture.room(version, { powerLevels: { users: { [ALICE]: 100, [BOB]: 50, [DAVE]: 50 }, ban: 50 } });
    room.join(BOB);
    room.join(DAVE);
    // A user who never joined can be banned.
    assertAllowed(room, member(room, BOB, CAROL, 'ban'));
    assertRejected(room, member(room, BOB, DAVE, 'ban'), /\(50\) is not below that of @bob:b\.test \(50\)/);
    room.setPowerLevels({ users: { [ALICE]: 100, [BOB]: 50 }, ban: 75 });
    assertRejected(room, member(room, BOB, CAROL, 'ban'), /power level of @bob:b\.test \(50\) is below the ban level \(75\)/);
  }
});

// --- 4.7 knock --------------------------------------------------------------------------------------------------

test('4.7 knock: an unknown membership before v7', () => {
  for (const version of versionsWhere((v) => !v.knock)) {
    const room = RoomFixture.room(version, { joinRule: 'knock' });
    assertRejected(room, member(room, BOB, BOB, 'knock'), /unknown membership "knock"/);
  }
});

test('4.7.1 knock: only under the knock join rule (and knock_restricted from v10)', () => {
  for (const version of versionsWhere((v) => v.knock)) {
    const knock = RoomFixture.room(version, { joinRule: 'knock' });
    assertAllowed(knock, member(knock, BOB, BOB, 'knock'));
    for (const rule of ['public', 'invite', 'restricted']) {
      const room = RoomFixture.room(version, { joinRule: rule });
      assertRejected(room, member(room, BOB, BOB, 'knock'), new RegExp(`cannot knock: join rule is "${rule}"`));
    }
    const kr = RoomFixture.room(version, { joinRule: 'knock_restricted' });
    if (kr.version.knockRestrictedJoinRule) assertAllowed(kr, member(kr, BOB, BOB, 'knock'));
    else assertRejected(kr, member(kr, BOB, BOB, 'knock'), /cannot knock/);
  }
});

test('4.7.2 knock: the sender must be the state_key', () => {
  const room = RoomFixture.room('7', { joinRule: 'knock' });
  assertRejected(room, member(room, ALICE, BOB, 'knock'), /cannot knock on behalf of/);
});

test('4.7.3 knock: not from ban, invite or join; again from knock or leave', () => {
  for (const version of versionsWhere((v) => v.knock)) {
    const room = RoomFixture.room(version, { joinRule: 'knock' });
    for (const current of ['ban', 'invite', 'join']) {
      room.forceMembership(BOB, current, ALICE);
      assertRejected(room, member(room, BOB, BOB, 'knock'), new RegExp(`cannot knock from membership ${current}`));
    }
    room.forceMembership(BOB, 'leave');
    room.apply(room.memberSpec(BOB, BOB, 'knock'));
    assertAllowed(room, member(room, BOB, BOB, 'knock'));
    // Accepting a knock is an invite.
    room.invite(ALICE, BOB);
  }
});

test('5 sender not joined: an invited user cannot send messages until they join', () => {
  for (const version of ['1', '11']) {
    const room = RoomFixture.room(version, { joinRule: 'invite' });
    room.invite(ALICE, BOB);
    assertRejected(room, room.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }), /not joined/);
    room.join(BOB);
    assertAllowed(room, room.build({ type: 'm.room.message', sender: BOB, content: { body: 'x' } }));
  }
});
