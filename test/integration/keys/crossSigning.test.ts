/**
 * Cross-signing over real HTTP: `/keys/device_signing/upload` (first upload without user-interactive auth,
 * idempotent retries, replacement behind the password, every key checked) and `/keys/signatures/upload`
 * (own devices by the self-signing key, own master key by a device, other users' master keys by the
 * user-signing key; failures reported per key), and who sees which keys and signatures in `/keys/query`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { validateResponse } from '../../support/openApi.ts';
import { startTestHomeserver } from '../../support/testHomeserver.ts';
import { CLIENT, TestCrossSigning, TestKey, e2eeUser, loginAgain, passwordAuth, twoE2eeUsers, uploadDeviceKeys, type E2eeUser } from './e2eeTestKit.ts';

const UPLOAD = `${CLIENT}/keys/device_signing/upload`;
const SIGNATURES = `${CLIENT}/keys/signatures/upload`;

interface QueryResponse {
  device_keys: Record<string, Record<string, JsonObject>>;
  master_keys?: Record<string, JsonObject>;
  self_signing_keys?: Record<string, JsonObject>;
  user_signing_keys?: Record<string, JsonObject>;
}

function query(u: E2eeUser, ...userIds: string[]): Promise<QueryResponse> {
  return u.api.ok<QueryResponse>('POST', `${CLIENT}/keys/query`, { device_keys: Object.fromEntries(userIds.map((id) => [id, []])) });
}

function signaturesOf(key: JsonObject | undefined, userId: string): Record<string, string> {
  return ((key?.signatures as Record<string, Record<string, string>> | undefined)?.[userId]) ?? {};
}

test('the first upload needs no password; the requester sees all three keys, others only master and self-signing', async (t) => {
  const { hs, alice, bob } = await twoE2eeUsers(t);
  const cs = new TestCrossSigning(alice.user.userId);
  const before = hs.homeserver.storage.stores.streams.deviceLists.getCurrentToken();
  await alice.api.ok('POST', UPLOAD, cs.upload());
  const stores = hs.homeserver.storage.stores;
  // Master and self-signing public keys are device-list changes; the user-signing key a signature change.
  assert.deepEqual(stores.deviceLists.getUsersWhoseDevicesChanged(before, stores.streams.deviceLists.getCurrentToken()), [alice.user.userId]);
  assert.deepEqual(stores.crossSigningKeys.usersSignedBetween(alice.user.userId, before, stores.streams.deviceLists.getCurrentToken()), [alice.user.userId]);

  const own = await query(alice, alice.user.userId);
  assert.deepEqual(own.master_keys![alice.user.userId], cs.masterKey());
  assert.deepEqual(own.self_signing_keys![alice.user.userId], cs.selfSigningKey());
  assert.deepEqual(own.user_signing_keys![alice.user.userId], cs.userSigningKey());
  const theirs = await query(bob, alice.user.userId);
  assert.deepEqual(theirs.master_keys![alice.user.userId], cs.masterKey());
  assert.deepEqual(theirs.self_signing_keys![alice.user.userId], cs.selfSigningKey());
  assert.deepEqual(theirs.user_signing_keys ?? {}, {});

  // The same keys again (a retried request): no password asked.
  await alice.api.ok('POST', UPLOAD, cs.upload());
  await alice.api.ok('POST', UPLOAD, { self_signing_key: cs.selfSigningKey() });
});

test('replacing cross-signing keys needs the password: challenge, wrong password, right password', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice', 's3cret');
  await alice.api.ok('POST', UPLOAD, new TestCrossSigning(alice.user.userId).upload());
  const replacement = new TestCrossSigning(alice.user.userId);

  const challenge = await alice.api.call('POST', UPLOAD, replacement.upload(), { validate: false });
  assert.equal(challenge.status, 401);
  // The spec gives this endpoint no 401 schema: check the body against the user-interactive auth response.
  assert.deepEqual(validateResponse('client-server', 'DELETE', `${CLIENT}/devices/X`, 401, challenge.body), []);
  const { session } = challenge.body as { session: string };
  const wrong = await alice.api.call('POST', UPLOAD, { ...replacement.upload(), auth: passwordAuth(alice.user.userId, 'nope', session) }, { validate: false });
  assert.deepEqual([wrong.status, (wrong.body as { errcode: string }).errcode], [401, 'M_FORBIDDEN']);
  await alice.api.ok('POST', UPLOAD, { ...replacement.upload(), auth: passwordAuth(alice.user.userId, 's3cret', session) });
  assert.deepEqual((await query(alice, alice.user.userId)).master_keys![alice.user.userId], replacement.masterKey());

  // A new self-signing key alone (signed by the stored master) also needs the password.
  const newSelfSigning = new TestCrossSigning(alice.user.userId);
  const selfSigningOnly = { self_signing_key: newSelfSigning.selfSigningKey(replacement.master) };
  assert.equal((await alice.api.call('POST', UPLOAD, selfSigningOnly, { validate: false })).status, 401);
});

test('cross-signing keys are checked: shape, user, usage, signatures by the master key, no master at all, key IDs in use', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const cs = new TestCrossSigning(alice.user.userId);
  const master = cs.masterKey();
  const fails = (body: JsonObject, status: number, errcode: string) => alice.api.fails('POST', UPLOAD, body, status, errcode);

  await fails({ self_signing_key: cs.selfSigningKey() }, 400, 'M_MISSING_PARAM');
  await fails({ master_key: 'x' }, 400, 'M_BAD_JSON');
  await fails({ master_key: { ...master, user_id: '@bob:hs.test' } }, 400, 'M_INVALID_PARAM');
  await fails({ master_key: { ...master, usage: ['self_signing'] } }, 400, 'M_INVALID_PARAM');
  await fails({ master_key: { ...master, keys: { ...(master.keys as JsonObject), 'ed25519:other': 'other' } } }, 400, 'M_INVALID_PARAM');
  await fails({ master_key: { ...master, keys: { 'ed25519:abc': cs.master.publicKey } } }, 400, 'M_INVALID_PARAM');
  await fails({ master_key: { ...master, keys: { 'ed25519:c2hvcnQ': 'c2hvcnQ' } } }, 400, 'M_INVALID_PARAM');
  // Self-signing and user-signing keys must be signed by the master key.
  const unsigned = { user_id: alice.user.userId, usage: ['self_signing'], keys: { [`ed25519:${cs.selfSigning.publicKey}`]: cs.selfSigning.publicKey } };
  await fails({ master_key: master, self_signing_key: unsigned }, 400, 'M_INVALID_SIGNATURE');
  await fails({ master_key: master, self_signing_key: cs.selfSigningKey(new TestKey()) }, 400, 'M_INVALID_SIGNATURE');
  await fails({ master_key: master, user_signing_key: cs.userSigningKey(cs.selfSigning) }, 400, 'M_INVALID_SIGNATURE');
  await fails({ master_key: master, self_signing_key: { ...cs.selfSigningKey(), usage: ['self_signing', 'extra'] } }, 400, 'M_INVALID_SIGNATURE');
  // A self-signature on the master key must verify when present.
  const selfSigned = cs.master.sign(master, alice.user.userId, `ed25519:${cs.master.publicKey}`);
  await fails({ master_key: { ...selfSigned, usage: ['master', 'x'] } }, 400, 'M_INVALID_SIGNATURE');
  // A master key signed by the user's device: that signature must verify too.
  await uploadDeviceKeys(alice);
  const byDevice = alice.device.ed25519.sign(master, alice.user.userId, alice.device.keyId);
  await fails({ master_key: { ...byDevice, usage: ['master', 'other'] } }, 400, 'M_INVALID_SIGNATURE');
  // A public key equal to one of the user's device IDs is refused.
  const clash = new TestCrossSigning(alice.user.userId);
  await loginAgain(hs, alice.user.userId, 'password', clash.master.publicKey);
  await fails({ master_key: clash.masterKey() }, 403, 'M_FORBIDDEN');
  // None of that stored anything; a good upload (self-signed, and signed by the device) goes through.
  assert.equal(hs.homeserver.storage.stores.crossSigningKeys.getKey(alice.user.userId, 'master'), null);
  const good = alice.device.ed25519.sign(selfSigned, alice.user.userId, alice.device.keyId);
  await alice.api.ok('POST', UPLOAD, { master_key: good, self_signing_key: cs.selfSigningKey() });
  assert.deepEqual((await query(alice, alice.user.userId)).master_keys![alice.user.userId], good);
});

test('signatures: own devices by the self-signing key, own master key by a device, others\' master keys by the user-signing key', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  const carol = await e2eeUser(hs, 'carol');
  await uploadDeviceKeys(alice);
  await uploadDeviceKeys(bob);
  const aliceCs = new TestCrossSigning(alice.user.userId);
  const bobCs = new TestCrossSigning(bob.user.userId);
  await alice.api.ok('POST', UPLOAD, aliceCs.upload());
  await bob.api.ok('POST', UPLOAD, bobCs.upload());
  const a = alice.user.userId;
  const b = bob.user.userId;
  const sskId = `ed25519:${aliceCs.selfSigning.publicKey}`;
  const uskId = `ed25519:${aliceCs.userSigning.publicKey}`;

  const stores = hs.homeserver.storage.stores;
  const before = stores.streams.deviceLists.getCurrentToken();
  const res = await alice.api.ok<{ failures: JsonObject }>('POST', SIGNATURES, {
    [a]: {
      [alice.user.deviceId]: aliceCs.selfSigning.sign(alice.device.deviceKeys(), a, sskId),
      [aliceCs.master.publicKey]: alice.device.ed25519.sign(aliceCs.masterKey(), a, alice.device.keyId),
    },
    [b]: { [bobCs.master.publicKey]: aliceCs.userSigning.sign(bobCs.masterKey(), a, uskId) },
  });
  assert.deepEqual(res.failures, {});
  const after = stores.streams.deviceLists.getCurrentToken();
  assert.deepEqual(stores.deviceLists.getUsersWhoseDevicesChanged(before, after), [a]);
  assert.deepEqual(stores.crossSigningKeys.usersSignedBetween(a, before, after), [b]);

  // Everyone sees Alice's self-signing signature of her device and her device's signature of her master key.
  for (const viewer of [alice, bob, carol]) {
    const seen = await query(viewer, a, b);
    assert.ok(signaturesOf(seen.device_keys[a]![alice.user.deviceId], a)[sskId], 'device signed by the self-signing key');
    assert.ok(signaturesOf(seen.master_keys![a], a)[alice.device.keyId], 'master key signed by the device');
    // Only Alice sees her signature of Bob's master key.
    assert.equal(Boolean(signaturesOf(seen.master_keys![b], a)[uskId]), viewer === alice, viewer.user.userId);
  }
});

test('signature failures are reported per key: bad signature, changed object, unknown device, missing keys', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  await uploadDeviceKeys(alice);
  const a = alice.user.userId;
  const b = bob.user.userId;
  const aliceCs = new TestCrossSigning(a);
  const sskId = `ed25519:${aliceCs.selfSigning.publicKey}`;

  // No cross-signing keys yet: nothing can be checked.
  const early = await alice.api.ok<{ failures: Record<string, Record<string, { errcode: string }>> }>('POST', SIGNATURES, {
    [a]: { [alice.user.deviceId]: aliceCs.selfSigning.sign(alice.device.deviceKeys(), a, sskId) },
    [b]: { SOMEKEY: { user_id: b } },
  });
  assert.equal(early.failures[a]![alice.user.deviceId]!.errcode, 'M_NOT_FOUND');
  assert.equal(early.failures[b]!.SOMEKEY!.errcode, 'M_NOT_FOUND');

  await alice.api.ok('POST', UPLOAD, aliceCs.upload());
  const bobCs = new TestCrossSigning(b);
  await bob.api.ok('POST', UPLOAD, bobCs.upload());
  const forged = new TestKey().sign(alice.device.deviceKeys(), a, sskId);
  const changed = aliceCs.selfSigning.sign({ ...alice.device.deviceKeys(), algorithms: ['x'] }, a, sskId);
  const res = await alice.api.ok<{ failures: Record<string, Record<string, { errcode: string; error: string }>> }>('POST', SIGNATURES, {
    [a]: {
      [alice.user.deviceId]: forged,
      NOPE: aliceCs.selfSigning.sign({ user_id: a, device_id: 'NOPE' }, a, sskId),
      [aliceCs.master.publicKey]: new TestKey().sign(aliceCs.masterKey(), a, 'ed25519:UNKNOWNDEVICE'),
    },
    [b]: {
      [bobCs.master.publicKey]: aliceCs.userSigning.sign({ ...bobCs.masterKey(), usage: ['master', 'x'] }, a, `ed25519:${aliceCs.userSigning.publicKey}`),
      [bobCs.selfSigning.publicKey]: aliceCs.userSigning.sign(bobCs.selfSigningKey(), a, `ed25519:${aliceCs.userSigning.publicKey}`),
    },
    '@zed:hs.test': { KEY: { user_id: '@zed:hs.test' } },
  });
  assert.equal(res.failures[a]![alice.user.deviceId]!.errcode, 'M_INVALID_SIGNATURE');
  assert.equal(res.failures[a]!.NOPE!.errcode, 'M_NOT_FOUND');
  assert.equal(res.failures[a]![aliceCs.master.publicKey]!.errcode, 'M_INVALID_SIGNATURE');
  assert.equal(res.failures[b]![bobCs.master.publicKey]!.errcode, 'M_INVALID_SIGNATURE');
  assert.equal(res.failures[b]![bobCs.selfSigning.publicKey]!.errcode, 'M_NOT_FOUND');
  assert.equal(res.failures['@zed:hs.test']!.KEY!.errcode, 'M_NOT_FOUND');
  // A changed copy of the device's keys fails although it is well signed.
  const second = await alice.api.ok<{ failures: Record<string, Record<string, { errcode: string }>> }>('POST', SIGNATURES, { [a]: { [alice.user.deviceId]: changed } });
  assert.equal(second.failures[a]![alice.user.deviceId]!.errcode, 'M_INVALID_SIGNATURE');
  assert.deepEqual(hs.homeserver.storage.stores.crossSigningKeys.signaturesOf(a, null, [a]), []);

  await alice.api.fails('POST', SIGNATURES, { [a]: 'x' }, 400, 'M_BAD_JSON');
  await alice.api.fails('POST', SIGNATURES, { [a]: { D: 5 } }, 400, 'M_BAD_JSON');
  await alice.api.fails('POST', SIGNATURES, { notauser: {} }, 400, 'M_INVALID_PARAM');
});
