/** The device-lists page's API: devices with keys and verified cross-signing state, remote users, the stream position. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT, TestCrossSigning, e2eeUser, loginAgain, uploadDeviceKeys } from '../keys/e2eeTestKit.ts';
import { admin, startAdminTestServer } from './adminTestKit.ts';

test('device lists: each device with its keys and whether the self-signing key verifiably signed it', async (t) => {
  const server = await startAdminTestServer(t);
  const alice = await e2eeUser(server, 'alice');
  await uploadDeviceKeys(alice);
  const cs = new TestCrossSigning(alice.user.userId);
  await alice.api.ok('POST', `${CLIENT}/keys/device_signing/upload`, cs.upload());
  const sskId = `ed25519:${cs.selfSigning.publicKey}`;
  await alice.api.ok('POST', `${CLIENT}/keys/signatures/upload`, {
    [alice.user.userId]: { [alice.user.deviceId]: cs.selfSigning.sign(alice.device.deviceKeys(), alice.user.userId, sskId) },
  });
  const phone = await loginAgain(server, alice.user.userId);
  await uploadDeviceKeys(phone);
  const tablet = await loginAgain(server, alice.user.userId);
  const bob = await e2eeUser(server, 'bob');
  await uploadDeviceKeys(bob);
  // What federation will cache of remote users' devices (written here directly: federated device lists come later).
  server.homeserver.storage.stores.db
    .prepare('INSERT INTO device_lists_remote_cache (user_id, device_id, content) VALUES (?, ?, ?)')
    .run('@zoe:remote.test', 'ZOEPHONE', JSON.stringify({ device_display_name: "Zoe's phone", keys: { keys: { 'ed25519:ZOEPHONE': 'abc' } } }));

  const lists = await admin(server, 'GET /devices');
  assert.equal(lists.stream_position, server.homeserver.storage.stores.streams.deviceLists.getCurrentToken());
  const aliceLists = lists.local_users.find((u) => u.user_id === alice.user.userId)!;
  assert.deepEqual(aliceLists.cross_signing, { master: cs.master.publicKey, self_signing: cs.selfSigning.publicKey, user_signing: cs.userSigning.publicKey });
  const byDevice = new Map(aliceLists.devices.map((d) => [d.device_id, d]));
  assert.equal(byDevice.size, 3);
  assert.equal(byDevice.get(alice.user.deviceId)!.verification, 'cross_signed');
  assert.equal(byDevice.get(alice.user.deviceId)!.identity_keys[`ed25519:${alice.user.deviceId}`], alice.device.ed25519.publicKey);
  assert.ok(byDevice.get(alice.user.deviceId)!.algorithms.includes('m.megolm.v1.aes-sha2'));
  assert.equal(byDevice.get(phone.user.deviceId)!.verification, 'not_cross_signed');
  assert.equal(byDevice.get(tablet.user.deviceId)!.verification, 'no_keys');
  assert.deepEqual(byDevice.get(tablet.user.deviceId)!.identity_keys, {});
  const bobLists = lists.local_users.find((u) => u.user_id === bob.user.userId)!;
  assert.equal(bobLists.devices[0]!.verification, 'no_cross_signing');
  assert.deepEqual(bobLists.cross_signing, { master: null, self_signing: null, user_signing: null });
  assert.deepEqual(lists.remote_users, [
    { user_id: '@zoe:remote.test', stream_id: null, devices: [{ device_id: 'ZOEPHONE', display_name: "Zoe's phone", identity_keys: { 'ed25519:ZOEPHONE': 'abc' } }] },
  ]);

  // A signature that does not verify is reported as such, not as verified.
  const stores = server.homeserver.storage.stores;
  stores.crossSigningKeys.addSignatures([{ userId: alice.user.userId, keyId: sskId, targetUserId: alice.user.userId, targetDeviceId: phone.user.deviceId, signature: 'A'.repeat(86) }]);
  const after = await admin(server, 'GET /devices');
  const phoneAfter = after.local_users.find((u) => u.user_id === alice.user.userId)!.devices.find((d) => d.device_id === phone.user.deviceId)!;
  assert.equal(phoneAfter.verification, 'bad_signature');
});
