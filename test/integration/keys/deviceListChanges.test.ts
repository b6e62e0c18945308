/**
 * The device-list stream as clients see it: `device_lists`, `device_one_time_keys_count` and
 * `device_unused_fallback_key_types` in /sync (spec-validated), waiting syncs woken by key changes, and
 * `/keys/changes` between two sync tokens, with `changed` for users sharing a room and `left` for users who no
 * longer do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHomeserver } from '../../support/testHomeserver.ts';
import { CLIENT, TestCrossSigning, e2eeUser, loginAgain, sync, twoE2eeUsers, uploadDeviceKeys } from './e2eeTestKit.ts';

interface Changes {
  changed: string[];
  left: string[];
}

test('a room-mate\'s new device keys appear in device_lists.changed; strangers\' do not; key counts come with every sync', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  const stranger = await e2eeUser(hs, 'stranger');
  const roomId = await alice.api.createRoom({ preset: 'public_chat' });
  await bob.api.join(roomId);

  const initial = await sync(bob.api);
  assert.equal(initial.device_lists, undefined, 'only incremental syncs carry device_lists');
  assert.deepEqual(initial.device_one_time_keys_count, { signed_curve25519: 0 });
  assert.deepEqual(initial.device_unused_fallback_key_types, []);

  await uploadDeviceKeys(alice, { one_time_keys: alice.device.oneTimeKeys(2) });
  await uploadDeviceKeys(stranger);
  await uploadDeviceKeys(bob, { one_time_keys: bob.device.oneTimeKeys(3), fallback_keys: bob.device.fallbackKey() });
  const next = await sync(bob.api, initial.next_batch);
  assert.deepEqual(next.device_lists, { changed: [alice.user.userId, bob.user.userId], left: [] });
  assert.deepEqual(next.device_one_time_keys_count, { signed_curve25519: 3 });
  assert.deepEqual(next.device_unused_fallback_key_types, ['signed_curve25519']);
  // Nothing new: an empty change list.
  assert.deepEqual((await sync(bob.api, next.next_batch)).device_lists, { changed: [], left: [] });

  // Cross-signing keys are device-list changes too, and a new device of the room-mate is one.
  await alice.api.ok('POST', `${CLIENT}/keys/device_signing/upload`, new TestCrossSigning(alice.user.userId).upload());
  const phone = await loginAgain(hs, alice.user.userId, 'password', 'PHONE');
  await uploadDeviceKeys(phone);
  const later = await sync(bob.api, next.next_batch);
  assert.deepEqual(later.device_lists?.changed, [alice.user.userId]);

  const changes = await bob.api.ok<Changes>('GET', `${CLIENT}/keys/changes?from=${initial.next_batch}&to=${later.next_batch}`);
  assert.deepEqual(changes, { changed: [alice.user.userId, bob.user.userId], left: [] });
  const none = await bob.api.ok<Changes>('GET', `${CLIENT}/keys/changes?from=${later.next_batch}&to=${later.next_batch}`);
  assert.deepEqual(none, { changed: [], left: [] });
});

test('a waiting /sync wakes up when a room-mate uploads device keys', async (t) => {
  const { alice, bob } = await twoE2eeUsers(t);
  const roomId = await alice.api.createRoom({ preset: 'public_chat' });
  await bob.api.join(roomId);
  const first = await sync(bob.api);
  const settled = await sync(bob.api, first.next_batch);
  const waiting = sync(bob.api, settled.next_batch, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await uploadDeviceKeys(alice);
  assert.deepEqual((await waiting).device_lists?.changed, [alice.user.userId]);
});

test('deleting a device is a device-list change; claiming the fallback key shows in unused fallback key types', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  const roomId = await alice.api.createRoom({ preset: 'public_chat' });
  await bob.api.join(roomId);
  await uploadDeviceKeys(bob, { fallback_keys: bob.device.fallbackKey() });
  const phone = await loginAgain(hs, alice.user.userId, 'password', 'PHONE');
  await uploadDeviceKeys(phone);
  const before = await sync(bob.api);
  hs.homeserver.handlers.e2ee.devices.deleteDevicesNow(alice.user.userId, ['PHONE']);
  await alice.api.ok('POST', `${CLIENT}/keys/claim`, { one_time_keys: { [bob.user.userId]: { [bob.user.deviceId]: 'signed_curve25519' } } });
  const after = await sync(bob.api, before.next_batch);
  assert.deepEqual(after.device_lists?.changed, [alice.user.userId]);
  assert.deepEqual(after.device_unused_fallback_key_types, []);
});

test('/keys/changes and /sync report users who no longer share a room under left, and newly shared ones under changed', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  const carol = await e2eeUser(hs, 'carol');
  const shared = await alice.api.createRoom({ preset: 'public_chat' });
  await bob.api.join(shared);
  const start = await sync(alice.api);
  const bobStart = await sync(bob.api);

  // Bob leaves: Alice no longer shares a room with him; Carol joins: she now does.
  await bob.api.leave(shared);
  await carol.api.join(shared);
  const now = await sync(alice.api, start.next_batch);
  const changes = await alice.api.ok<Changes>('GET', `${CLIENT}/keys/changes?from=${start.next_batch}&to=${now.next_batch}`);
  assert.deepEqual(changes, { changed: [carol.user.userId], left: [bob.user.userId] });

  // Bob's own sync: he left the room, so Alice (and Carol, who he never shared with) are not his concern.
  const bobNow = await sync(bob.api, bobStart.next_batch);
  assert.deepEqual(bobNow.device_lists?.left, [alice.user.userId, carol.user.userId]);
  // Dave joins the room: its members are news to him.
  const dave = await e2eeUser(hs, 'dave');
  const daveStart = await sync(dave.api);
  await dave.api.join(shared);
  const daveNext = await sync(dave.api, daveStart.next_batch);
  assert.deepEqual(daveNext.device_lists, { changed: [alice.user.userId, carol.user.userId, dave.user.userId], left: [] });
});

test('/keys/changes refuses missing and malformed tokens', async (t) => {
  const { alice } = await twoE2eeUsers(t);
  const { next_batch: token } = await sync(alice.api);
  await alice.api.fails('GET', `${CLIENT}/keys/changes?to=${token}`, undefined, 400, 'M_MISSING_PARAM');
  await alice.api.fails('GET', `${CLIENT}/keys/changes?from=${token}`, undefined, 400, 'M_MISSING_PARAM');
  await alice.api.fails('GET', `${CLIENT}/keys/changes?from=nonsense&to=${token}`, undefined, 400, 'M_INVALID_PARAM');
  await alice.api.fails('GET', `${CLIENT}/keys/changes?from=${token}&to=s1_2`, undefined, 400, 'M_INVALID_PARAM');
});

test('logging in on a new device is a device-list change at once; logging in again on the same device is not', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const bob = await e2eeUser(hs, 'bob');
  const roomId = await alice.api.createRoom({ preset: 'public_chat' });
  await bob.api.join(roomId);
  const before = await sync(bob.api);

  // Bob's long-polling sync is woken by alice's login, before her new device uploads any key.
  const woken = sync(bob.api, before.next_batch, 10_000);
  await loginAgain(hs, alice.user.userId, 'password', 'LAPTOP');
  const after = await woken;
  assert.deepEqual(after.device_lists, { changed: [alice.user.userId], left: [] });

  await loginAgain(hs, alice.user.userId, 'password', 'LAPTOP');
  assert.deepEqual((await sync(bob.api, after.next_batch)).device_lists, { changed: [], left: [] });
});
