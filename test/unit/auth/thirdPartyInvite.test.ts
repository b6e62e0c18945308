/**
 * Rule 4.4.1 (5.3.1 in v1/v2): invites that redeem an m.room.third_party_invite, with real ed25519 verification of
 * `signed` against the public keys the invite published.
 */
import { test } from 'node:test';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { encodeBase64Url } from '../../../core/crypto/base64.ts';
import { signJson } from '../../../core/crypto/jsonSigning.ts';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { ALICE, BOB, DAVE, RoomFixture, assertAllowed, assertRejected } from '../../support/roomFixture.ts';

const identityServer = SigningKey.generate('0');
const otherKey = SigningKey.generate('1');
const VERSIONS = ['1', '5', '6', '10', '11'];

function roomWithInvite(version: string, inviteContent: JsonObject = {}, token = 'tok'): RoomFixture {
  const room = RoomFixture.room(version);
  room.join(DAVE);
  room.apply({
    type: 'm.room.third_party_invite',
    sender: ALICE,
    stateKey: token,
    content: {
      display_name: 'b...@example.org',
      key_validity_url: 'https://id.test/_matrix/identity/v2/pubkey/isvalid',
      public_key: identityServer.publicKeyBase64,
      public_keys: [{ public_key: identityServer.publicKeyBase64, key_validity_url: 'https://id.test/isvalid' }],
      ...inviteContent,
    },
  });
  return room;
}

function signedBlock(fields: JsonObject = {}, key = identityServer): JsonObject {
  return signJson({ mxid: BOB, sender: ALICE, token: 'tok', ...fields }, 'id.test', key);
}

function thirdPartyMember(room: RoomFixture, thirdPartyInvite: JsonObject | string | null, sender = ALICE, target = BOB) {
  return room.build(room.memberSpec(sender, target, 'invite', { third_party_invite: thirdPartyInvite }));
}

test('4.4.1.7 third-party invite: a signature by the published public_key is allowed', () => {
  for (const version of VERSIONS) {
    const room = roomWithInvite(version);
    assertAllowed(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock() }));
  }
});

test('4.4.1.7 third-party invite: a key listed only in public_keys, in any Base64 form, is enough', () => {
  const urlSafe = encodeBase64Url(identityServer.keyPair.publicKey);
  const padded = Buffer.from(identityServer.keyPair.publicKey).toString('base64');
  for (const encoded of [identityServer.publicKeyBase64, urlSafe, padded, `${urlSafe}=`]) {
    const room = roomWithInvite('11', {
      public_key: otherKey.publicKeyBase64,
      public_keys: [{ public_key: 'not base64!' }, 'junk', { public_key: encoded }],
    });
    assertAllowed(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock() }));
  }
});

test('4.4.1.8 third-party invite: a bad signature is rejected', () => {
  for (const version of VERSIONS) {
    const room = roomWithInvite(version);
    // Signed by a key the invite does not publish.
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock({}, otherKey) }), /no signature in "signed" verifies/);
    // Altered after signing.
    const tampered = { ...signedBlock(), extra: 'added later' };
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: tampered }), /no signature in "signed" verifies/);
    // No signatures, or garbage ones.
    for (const signatures of [undefined, {}, 'sig', { 'id.test': 'x' }, { 'id.test': { 'ed25519:0': 5 } }, { 'id.test': { 'ed25519:0': '!!!' } }]) {
      const signed: JsonObject = { mxid: BOB, sender: ALICE, token: 'tok' };
      if (signatures !== undefined) signed.signatures = signatures as JsonObject;
      assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed }), /no signature in "signed" verifies/);
    }
  }
});

test('4.4.1.7 third-party invite: an invite without usable public keys is rejected', () => {
  const room = roomWithInvite('11', { public_key: 5, public_keys: 'x' });
  assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock() }), /no usable public key/);
  const tooShort = roomWithInvite('11', { public_key: 'AAAA', public_keys: [{ public_key: null }] });
  assertRejected(tooShort, thirdPartyMember(tooShort, { display_name: 'Bob', signed: signedBlock() }), /no usable public key/);
});

test('4.4.1.2 third-party invite: missing or malformed signed is rejected', () => {
  for (const version of VERSIONS) {
    const room = roomWithInvite(version);
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob' }), /no "signed" object/);
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: 'x' }), /no "signed" object/);
    assertRejected(room, thirdPartyMember(room, 'invite'), /"third_party_invite" is not an object/);
    assertRejected(room, thirdPartyMember(room, null), /"third_party_invite" is not an object/);
  }
});

test('4.4.1.3 third-party invite: signed needs string mxid and token', () => {
  const room = roomWithInvite('11');
  for (const fields of [{ mxid: undefined }, { token: undefined }, { mxid: 5 }, { token: ['tok'] }]) {
    const signed: JsonObject = { ...signedBlock() };
    for (const [k, value] of Object.entries(fields)) {
      if (value === undefined) delete signed[k];
      else signed[k] = value;
    }
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed }), /must have string "mxid" and "token"/);
  }
});

test('4.4.1.4 third-party invite: mxid must be the state_key', () => {
  for (const version of VERSIONS) {
    const room = roomWithInvite(version);
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock({ mxid: '@mallory:m.test' }) }), /signed mxid @mallory:m\.test is not the state_key/);
  }
});

test('4.4.1.5 third-party invite: an unknown token is rejected', () => {
  for (const version of VERSIONS) {
    const room = roomWithInvite(version);
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock({ token: 'other' }) }), /no m\.room\.third_party_invite event for the token/);
  }
});

test('4.4.1.6 third-party invite: a sender other than the one who sent the m.room.third_party_invite is rejected', () => {
  for (const version of VERSIONS) {
    const room = roomWithInvite(version);
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock() }, DAVE), /did not send the m\.room\.third_party_invite/);
  }
});

test('4.4.1.1 third-party invite: a banned target is rejected', () => {
  for (const version of VERSIONS) {
    const room = roomWithInvite(version);
    room.forceMembership(BOB, 'ban', ALICE);
    assertRejected(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock() }), /target user is banned/);
  }
});

test('4.4.1 third-party invite: redeeming does not depend on the inviter still being joined (as the spec reads)', () => {
  const room = roomWithInvite('11');
  room.forceMembership(ALICE, 'leave');
  assertAllowed(room, thirdPartyMember(room, { display_name: 'Bob', signed: signedBlock() }));
});
