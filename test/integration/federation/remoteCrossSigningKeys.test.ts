/**
 * Other servers' users' keys kept at A, as Synapse keeps them: the master and self-signing keys B announces in
 * `m.signing_key_update` EDUs, whole-list fetches and `/user/keys/query` answers are stored beside the device
 * list, `/keys/query` answers from them while the list is current (even with B unreachable), a new master key
 * replaces them and shows in `device_lists.changed`, a user who no longer shares a room is forgotten, and our
 * users can sign a remote user's master key.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { RemoteDeviceListsStore } from '../../../core/storage/databases/main/remoteDeviceListsStore.ts';
import { countFederationRequests, eventually, type FederatedServer } from '../../support/federatedServers.ts';
import { twoServerRoom, waitForDeviceListChange } from './twoServerRoom.ts';
import { CLIENT, TestCrossSigning, e2eeUser, passwordAuth, sync, uploadDeviceKeys, type E2eeUser } from '../keys/e2eeTestKit.ts';

interface KeyQuery {
  device_keys: Record<string, Record<string, JsonObject>>;
  master_keys?: Record<string, JsonObject>;
  self_signing_keys?: Record<string, JsonObject>;
  failures: Record<string, unknown>;
}

const sharedRoom = (t: TestContext) => twoServerRoom(t, 'keys');

const query = (user: E2eeUser, userId: string) => user.api.ok<KeyQuery>('POST', `${CLIENT}/keys/query`, { device_keys: { [userId]: [] }, timeout: 2000 });

/** Bob's master and self-signing keys as A holds them. */
function heldAt(a: FederatedServer, userId: string): { master?: JsonObject; self_signing?: JsonObject } {
  return Object.fromEntries(a.homeserver.storage.stores.crossSigningKeys.getKeys([userId], ['master', 'self_signing']).map((k) => [k.type, k.key]));
}

/** Counts the key queries `server` sends over federation from now on. */
function countKeyQueries(server: FederatedServer): { count: number } {
  return countFederationRequests(server, (path) => path.endsWith('/user/keys/query'));
}

/** Uploads cross-signing keys, answering the password challenge when keys are replaced. */
async function uploadCrossSigning(user: E2eeUser, password: string, cross: TestCrossSigning): Promise<void> {
  const path = `${CLIENT}/keys/device_signing/upload`;
  const first = await user.api.call('POST', path, cross.upload(), { validate: false });
  if (first.status === 200) return;
  const session = (first.body as { session: string }).session;
  await user.api.ok('POST', path, { ...cross.upload(), auth: passwordAuth(user.user.userId, password, session) });
}


test('remote cross-signing keys are kept from B’s EDUs and answered by A, even with B unreachable; new keys replace them and mark the user changed', async (t) => {
  const { a, b, alice, bob } = await sharedRoom(t);
  await uploadDeviceKeys(bob);
  const lists = new RemoteDeviceListsStore(a.homeserver.storage.stores.db);
  await eventually(() => lists.devicesOf(bob.user.userId).some((d) => d.deviceId === bob.user.deviceId), 'A to hold bob’s device list');
  let since = (await sync(alice.api)).next_batch;

  const first = new TestCrossSigning(bob.user.userId);
  await uploadCrossSigning(bob, 'bob-pw', first);
  since = await waitForDeviceListChange(alice, since, bob.user.userId);
  await eventually(() => heldAt(a, bob.user.userId).self_signing !== undefined, 'A to hold bob’s cross-signing keys');
  assert.deepEqual(heldAt(a, bob.user.userId), { master: first.masterKey(), self_signing: first.selfSigningKey() });

  // B goes away: A answers from what it holds, without asking B and without a failure.
  a.homeserver.federation!.resolver.setStatic('b.test', 'http://127.0.0.1:9');
  const queries = countKeyQueries(a);
  const cached = await query(alice, bob.user.userId);
  assert.equal(queries.count, 0, 'B was not asked');
  assert.deepEqual(cached.failures, {});
  const { unsigned, ...deviceKeys } = cached.device_keys[bob.user.userId]![bob.user.deviceId]!;
  assert.deepEqual([deviceKeys, unsigned], [bob.device.deviceKeys(), {}]);
  assert.deepEqual(cached.master_keys?.[bob.user.userId], first.masterKey());
  assert.deepEqual(cached.self_signing_keys?.[bob.user.userId], first.selfSigningKey());
  const onlyOther = await alice.api.ok<KeyQuery>('POST', `${CLIENT}/keys/query`, { device_keys: { [bob.user.userId]: ['NOSUCHDEVICE'] } });
  assert.deepEqual(onlyOther.device_keys[bob.user.userId], {}, 'only the devices asked for');

  // B is back; bob replaces his keys: A drops the old ones and alice hears of the change.
  a.homeserver.federation!.resolver.setStatic('b.test', b.federationUrl);
  const second = new TestCrossSigning(bob.user.userId);
  await uploadCrossSigning(bob, 'bob-pw', second);
  await waitForDeviceListChange(alice, since, bob.user.userId);
  await eventually(() => heldAt(a, bob.user.userId).master?.keys !== undefined && isDeepStrictEqual(heldAt(a, bob.user.userId), { master: second.masterKey(), self_signing: second.selfSigningKey() }), 'A to hold bob’s new keys');
  const fresh = await query(alice, bob.user.userId);
  assert.deepEqual(fresh.master_keys?.[bob.user.userId], second.masterKey());
  assert.deepEqual(fresh.self_signing_keys?.[bob.user.userId], second.selfSigningKey());
});

test('keys of a /user/keys/query answer are kept while the user shares a room; a user who leaves every shared room is forgotten', async (t) => {
  const { a, alice, bob, roomId } = await sharedRoom(t);
  const cross = new TestCrossSigning(bob.user.userId);
  await uploadDeviceKeys(bob);
  await uploadCrossSigning(bob, 'bob-pw', cross);
  await eventually(() => heldAt(a, bob.user.userId).self_signing !== undefined, 'A to hold bob’s cross-signing keys');
  // A forgets (as after a restart of tracking): the next query goes to B, and its answer is kept again.
  const cache = a.homeserver.federation!.keyCache;
  cache.forget(bob.user.userId);
  assert.deepEqual(heldAt(a, bob.user.userId), {});
  const queries = countKeyQueries(a);
  const live = await query(alice, bob.user.userId);
  assert.equal(queries.count, 1, 'B was asked');
  assert.deepEqual(live.master_keys?.[bob.user.userId], cross.masterKey());
  assert.deepEqual(heldAt(a, bob.user.userId), { master: cross.masterKey(), self_signing: cross.selfSigningKey() });

  // Bob leaves: nothing tells A of his changes any more, so what it held goes at once, and queries ask B.
  const lists = new RemoteDeviceListsStore(a.homeserver.storage.stores.db);
  await bob.api.ok('POST', `${CLIENT}/rooms/${encodeURIComponent(roomId)}/leave`, {});
  await eventually(() => lists.extremity(bob.user.userId) === null && Object.keys(heldAt(a, bob.user.userId)).length === 0, 'A to forget bob');
  await query(alice, bob.user.userId);
  assert.equal(queries.count, 2);
  assert.deepEqual(heldAt(a, bob.user.userId), {}, 'not kept for a user sharing no room');
});

test('when our last user in a shared room leaves, what A held of the other server’s users is forgotten', async (t) => {
  const { a, alice, bob, roomId } = await sharedRoom(t);
  await uploadDeviceKeys(bob);
  await uploadCrossSigning(bob, 'bob-pw', new TestCrossSigning(bob.user.userId));
  const lists = new RemoteDeviceListsStore(a.homeserver.storage.stores.db);
  await eventually(() => lists.extremity(bob.user.userId) !== null && heldAt(a, bob.user.userId).self_signing !== undefined, 'A to hold bob’s keys');
  await alice.api.ok('POST', `${CLIENT}/rooms/${encodeURIComponent(roomId)}/leave`, {});
  await eventually(() => lists.extremity(bob.user.userId) === null && Object.keys(heldAt(a, bob.user.userId)).length === 0, 'A to forget bob');
  assert.deepEqual(lists.devicesOf(bob.user.userId), []);
});

test('a self-signing key not signed by the master key, and keys of another user, are not kept from EDUs', async (t) => {
  const { a, b, bob } = await sharedRoom(t);
  const cross = new TestCrossSigning(bob.user.userId);
  const other = new TestCrossSigning(bob.user.userId);
  const send = (txnId: string, content: JsonObject) =>
    b.homeserver.federation!.client.request('a.test', {
      method: 'PUT',
      path: `/_matrix/federation/v1/send/${txnId}`,
      body: { origin: 'b.test', origin_server_ts: Date.now(), pdus: [], edus: [{ edu_type: 'm.signing_key_update', content }] },
    });
  await send('sk1', { user_id: bob.user.userId, master_key: cross.masterKey(), self_signing_key: other.selfSigningKey() });
  await a.homeserver.federation!.deviceListUpdater.idle();
  assert.deepEqual(heldAt(a, bob.user.userId), { master: cross.masterKey() }, 'the master key alone');
  await send('sk2', { user_id: bob.user.userId, self_signing_key: cross.selfSigningKey() });
  await a.homeserver.federation!.deviceListUpdater.idle();
  assert.deepEqual(heldAt(a, bob.user.userId), { master: cross.masterKey(), self_signing: cross.selfSigningKey() }, 'signed by the master key held');
  // A new master key takes the self-signing key it does not sign with it.
  await send('sk3', { user_id: bob.user.userId, master_key: other.masterKey() });
  await a.homeserver.federation!.deviceListUpdater.idle();
  assert.deepEqual(heldAt(a, bob.user.userId), { master: other.masterKey() });
  // Keys naming another user are ignored.
  const carol = new TestCrossSigning('@carol:b.test');
  await send('sk4', { user_id: bob.user.userId, master_key: carol.masterKey() });
  await a.homeserver.federation!.deviceListUpdater.idle();
  assert.deepEqual(heldAt(a, bob.user.userId), { master: other.masterKey() });
});

test('our user signs a remote user’s master key with their user-signing key; only they see the signature', async (t) => {
  const { a, alice, bob } = await sharedRoom(t);
  const carol = await e2eeUser(a, 'carol');
  const bobCross = new TestCrossSigning(bob.user.userId);
  await uploadDeviceKeys(bob);
  await uploadCrossSigning(bob, 'bob-pw', bobCross);
  await eventually(() => heldAt(a, bob.user.userId).master !== undefined, 'A to hold bob’s master key');
  const aliceCross = new TestCrossSigning(alice.user.userId);
  await alice.api.ok('POST', `${CLIENT}/keys/device_signing/upload`, aliceCross.upload());
  const uskId = `ed25519:${aliceCross.userSigning.publicKey}`;
  const signed = aliceCross.userSigning.sign(bobCross.masterKey(), alice.user.userId, uskId);
  const upload = await alice.api.ok<{ failures: Record<string, unknown> }>('POST', `${CLIENT}/keys/signatures/upload`, { [bob.user.userId]: { [bobCross.master.publicKey]: signed } });
  assert.deepEqual(upload.failures, {});
  const seen = await query(alice, bob.user.userId);
  const signatures = seen.master_keys?.[bob.user.userId]?.signatures as Record<string, Record<string, string>> | undefined;
  assert.ok(signatures?.[alice.user.userId]?.[uskId], 'alice sees her signature of bob’s master key');
  const byCarol = await query(carol, bob.user.userId);
  assert.deepEqual(byCarol.master_keys?.[bob.user.userId], bobCross.masterKey(), 'carol does not');
});
