/**
 * End-to-end encryption between users of two real servers on loopback: keys are queried and claimed over
 * federation, device-list changes travel as `m.device_list_update` EDUs (and whole-list fetches), cross-signing
 * changes as `m.signing_key_update`, to-device messages as `m.direct_to_device`; and what another server may
 * ask or claim is checked. Federation answers are validated against the server-server OpenAPI definitions.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { RemoteDeviceListsStore } from '../../../core/storage/databases/main/remoteDeviceListsStore.ts';
import { federationCall } from '../../support/federationCall.ts';
import { countFederationRequests, eventually, startFederatedServers, type FederatedServer } from '../../support/federatedServers.ts';
import { twoServerRoom, waitForDeviceListChange } from './twoServerRoom.ts';
import { CLIENT, TestCrossSigning, TestDevice, e2eeUser, loginAgain, passwordAuth, sync, uploadDeviceKeys } from '../keys/e2eeTestKit.ts';

const sharedRoom = (t: TestContext) => twoServerRoom(t, 'crypto');


function cachedDevices(server: FederatedServer, userId: string): string[] {
  return new RemoteDeviceListsStore(server.homeserver.storage.stores.db).devicesOf(userId).map((d) => d.deviceId);
}

/** Counts the whole device-list fetches (`GET /user/devices`) `server` makes from now on. */
function countListFetches(server: FederatedServer): { count: number } {
  return countFederationRequests(server, (path) => path.includes('/user/devices/'));
}


test('/keys/query and /keys/claim for a user of another server go over federation', async (t) => {
  const { alice, bob } = await sharedRoom(t);
  const cross = new TestCrossSigning(bob.user.userId);
  await uploadDeviceKeys(bob, { one_time_keys: bob.device.oneTimeKeys(2), fallback_keys: bob.device.fallbackKey() });
  await bob.api.ok('POST', `${CLIENT}/keys/device_signing/upload`, cross.upload());

  // Answered by B, or by A from what B's EDUs told it (once they arrived, as clients learn from /sync).
  const query = await eventually(async () => {
    const answer = await alice.api.ok<{
      device_keys: Record<string, Record<string, JsonObject>>;
      master_keys?: Record<string, JsonObject>;
      self_signing_keys?: Record<string, JsonObject>;
      user_signing_keys?: Record<string, JsonObject>;
      failures: Record<string, unknown>;
    }>('POST', `${CLIENT}/keys/query`, { device_keys: { [bob.user.userId]: [] } });
    return answer.self_signing_keys?.[bob.user.userId] ? answer : undefined;
  }, 'bob’s keys at A');
  assert.deepEqual(query.failures, {});
  const device = query.device_keys[bob.user.userId]?.[bob.user.deviceId];
  assert.ok(device, 'bob’s device came back from B');
  const { unsigned, ...signed } = device;
  assert.deepEqual(signed, bob.device.deviceKeys(), 'exactly the keys bob uploaded, signature included');
  assert.deepEqual(unsigned, {}, 'no device name leaves B');
  assert.deepEqual(query.master_keys?.[bob.user.userId], cross.masterKey());
  assert.deepEqual(query.self_signing_keys?.[bob.user.userId], cross.selfSigningKey());
  assert.equal(query.user_signing_keys?.[bob.user.userId], undefined, 'user-signing keys stay private');

  // Two one-time keys, then the fallback key (again and again).
  const claimed: string[] = [];
  for (let i = 0; i < 4; i++) {
    const claim = await alice.api.ok<{ one_time_keys: Record<string, Record<string, Record<string, JsonObject>>>; failures: Record<string, unknown> }>(
      'POST',
      `${CLIENT}/keys/claim`,
      { one_time_keys: { [bob.user.userId]: { [bob.user.deviceId]: 'signed_curve25519' } } },
    );
    assert.deepEqual(claim.failures, {});
    const keys = claim.one_time_keys[bob.user.userId]?.[bob.user.deviceId] ?? {};
    assert.equal(Object.keys(keys).length, 1);
    claimed.push(Object.keys(keys)[0]!);
  }
  assert.deepEqual(claimed.slice(0, 2).sort(), ['signed_curve25519:K0', 'signed_curve25519:K1']);
  assert.deepEqual(claimed.slice(2), ['signed_curve25519:F1', 'signed_curve25519:F1']);
});

test('a server that cannot be reached is listed under failures; local answers still come', async (t) => {
  const { alice } = await sharedRoom(t);
  await uploadDeviceKeys(alice);
  const query = await alice.api.ok<{ device_keys: Record<string, Record<string, unknown>>; failures: Record<string, { status?: number }> }>('POST', `${CLIENT}/keys/query`, {
    device_keys: { '@someone:nowhere.invalid': [], [alice.user.userId]: [] },
    timeout: 2000,
  });
  assert.ok(query.failures['nowhere.invalid'], 'the unreachable server is a failure');
  assert.ok(query.device_keys[alice.user.userId]?.[alice.user.deviceId], 'local keys are answered');
  const claim = await alice.api.ok<{ failures: Record<string, unknown> }>('POST', `${CLIENT}/keys/claim`, {
    one_time_keys: { '@someone:nowhere.invalid': { DEV: 'signed_curve25519' } },
    timeout: 2000,
  });
  assert.ok(claim.failures['nowhere.invalid']);
});

test('device changes on B reach A: new device, new keys, deleted device, new cross-signing keys; A’s clients see them in /sync', async (t) => {
  const { a, b, alice, bob } = await sharedRoom(t);
  await uploadDeviceKeys(bob);
  let since = (await sync(alice.api)).next_batch;

  // A new device of bob's with keys: A fetches bob's whole list the first time, then follows the updates.
  const phone = await loginAgain(b, bob.user.userId, 'bob-pw', 'PHONE');
  await uploadDeviceKeys(phone);
  since = await waitForDeviceListChange(alice, since, bob.user.userId);
  await eventually(() => cachedDevices(a, bob.user.userId).includes('PHONE'), 'A to cache bob’s phone');
  assert.ok(cachedDevices(a, bob.user.userId).includes(bob.user.deviceId));

  // From now on updates continue A's version of the list: applied one by one, no whole-list fetches.
  const fetches = countListFetches(a);
  const tablet = await loginAgain(b, bob.user.userId, 'bob-pw', 'TABLET');
  await uploadDeviceKeys(tablet);
  since = await waitForDeviceListChange(alice, since, bob.user.userId);
  await eventually(() => cachedDevices(a, bob.user.userId).includes('TABLET'), 'A to cache bob’s tablet');
  const remoteLists = new RemoteDeviceListsStore(a.homeserver.storage.stores.db);
  await eventually(
    () => remoteLists.extremity(bob.user.userId) === String(b.homeserver.storage.stores.deviceLists.deviceListVersionFor('a.test', bob.user.userId)),
    'A’s version of bob’s list to match B’s',
  );
  const tabletKeys = remoteLists.devicesOf(bob.user.userId).find((d) => d.deviceId === 'TABLET')?.content.keys;
  assert.deepEqual(tabletKeys, tablet.device.deviceKeys());

  // Deleting the phone (password re-auth) removes it on A too.
  const path = `${CLIENT}/devices/PHONE`;
  const challenge = await bob.api.call('DELETE', path, {});
  const session = (challenge.body as { session: string }).session;
  await bob.api.ok('DELETE', path, { auth: passwordAuth(bob.user.userId, 'bob-pw', session) });
  since = await waitForDeviceListChange(alice, since, bob.user.userId);
  await eventually(() => !cachedDevices(a, bob.user.userId).includes('PHONE'), 'A to forget bob’s phone');
  assert.equal(fetches.count, 0, 'no whole-list fetch after the first');

  // Cross-signing keys: an m.signing_key_update; alice's next query has them.
  const cross = new TestCrossSigning(bob.user.userId);
  await bob.api.ok('POST', `${CLIENT}/keys/device_signing/upload`, cross.upload());
  await waitForDeviceListChange(alice, since, bob.user.userId);
  const query = await alice.api.ok<{ master_keys?: Record<string, JsonObject> }>('POST', `${CLIENT}/keys/query`, { device_keys: { [bob.user.userId]: [] } });
  assert.deepEqual(query.master_keys?.[bob.user.userId], cross.masterKey());
});

test('to-device messages reach a device on another server once, even when the client retries', async (t) => {
  const { b, alice, bob } = await sharedRoom(t);
  const since = (await sync(bob.api)).next_batch;
  const send = (txnId: string, content: JsonObject) =>
    alice.api.ok('PUT', `${CLIENT}/sendToDevice/org.example.ping/${txnId}`, { messages: { [bob.user.userId]: { [bob.user.deviceId]: content } } });
  await send('t1', { n: 1 });
  await send('t1', { n: 1 }); // a retry of the same request
  await send('t2', { n: 2 });
  const received: { type: string; sender: string; content: JsonObject }[] = [];
  let token = since;
  await eventually(async () => {
    const body = await sync(bob.api, token, 1000);
    token = body.next_batch;
    received.push(...(body.to_device?.events ?? []));
    return received.some((e) => e.content.n === 2);
  }, 'bob to receive both messages');
  assert.deepEqual(
    received.map((e) => [e.type, e.sender, e.content.n]),
    [
      ['org.example.ping', alice.user.userId, 1],
      ['org.example.ping', alice.user.userId, 2],
    ],
  );
  // The wildcard reaches every device of the user on B.
  const phone = await loginAgain(b, bob.user.userId, 'bob-pw', 'PHONE');
  await alice.api.ok('PUT', `${CLIENT}/sendToDevice/org.example.ping/t3`, { messages: { [bob.user.userId]: { '*': { n: 3 } } } });
  await eventually(() => b.homeserver.storage.stores.deviceInbox.pendingCount(bob.user.userId, 'PHONE') === 1, 'the phone to get the wildcard message');
  const phoneSync = await sync(phone.api);
  assert.deepEqual(phoneSync.to_device?.events.map((e) => e.content), [{ n: 3 }]);
});

test('what other servers may ask: only our users, only signed requests, well-formed bodies; spoofed EDUs are ignored', async (t) => {
  const { a, b, alice, bob } = await sharedRoom(t);
  await uploadDeviceKeys(alice, { one_time_keys: alice.device.oneTimeKeys(1) });
  const devicesUri = (userId: string) => `/_matrix/federation/v1/user/devices/${encodeURIComponent(userId)}`;

  const list = await federationCall(b, a, 'GET', devicesUri(alice.user.userId));
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.devices, [{ device_id: alice.user.deviceId, keys: alice.device.deviceKeys() }]);
  assert.equal(typeof list.body.stream_id, 'number');

  assert.deepEqual([(await federationCall(b, a, 'GET', devicesUri(bob.user.userId))).status], [400], 'not a user of A');
  const unsigned = await federationCall(b, a, 'GET', devicesUri(alice.user.userId), undefined, false);
  assert.deepEqual([unsigned.status, unsigned.body.errcode], [401, 'M_UNAUTHORIZED']);
  const badQuery = await federationCall(b, a, 'POST', '/_matrix/federation/v1/user/keys/query', { device_keys: 'everyone' });
  assert.deepEqual([badQuery.status, badQuery.body.errcode], [400, 'M_BAD_JSON']);
  const badClaim = await federationCall(b, a, 'POST', '/_matrix/federation/v1/user/keys/claim', { one_time_keys: { [alice.user.userId]: { [alice.user.deviceId]: 7 } } });
  assert.deepEqual([badClaim.status, badClaim.body.errcode], [400, 'M_BAD_JSON']);

  // Queries name users of other servers too: only A's are answered.
  const query = await federationCall(b, a, 'POST', '/_matrix/federation/v1/user/keys/query', { device_keys: { [alice.user.userId]: [], [bob.user.userId]: [] } });
  assert.deepEqual(Object.keys(query.body.device_keys as JsonObject), [alice.user.userId]);
  const claim = await federationCall(b, a, 'POST', '/_matrix/federation/v1/user/keys/claim', {
    one_time_keys: { [alice.user.userId]: { [alice.user.deviceId]: 'signed_curve25519' } },
  });
  assert.deepEqual(Object.keys((claim.body.one_time_keys as Record<string, JsonObject>)[alice.user.userId]![alice.user.deviceId] as JsonObject), ['signed_curve25519:K0']);

  // B speaks for a user of another server: the to-device message and the device-list update are dropped.
  const since = (await sync(alice.api)).next_batch;
  const edus: JsonObject[] = [
    { edu_type: 'm.direct_to_device', content: { sender: '@mallory:c.test', type: 'm.spoof', message_id: 'm1', messages: { [alice.user.userId]: { '*': { evil: true } } } } },
    { edu_type: 'm.device_list_update', content: { user_id: '@mallory:c.test', device_id: 'EVIL', stream_id: 1, prev_id: [] } },
    { edu_type: 'm.direct_to_device', content: { sender: bob.user.userId, type: 'm.fine', message_id: 'm2', messages: { [alice.user.userId]: { '*': { ok: true } } } } },
  ];
  await b.homeserver.federation!.client.request('a.test', { method: 'PUT', path: '/_matrix/federation/v1/send/spoof1', body: { origin: 'b.test', origin_server_ts: Date.now(), pdus: [], edus } });
  // The same message ID again (another transaction) is not delivered twice.
  await b.homeserver.federation!.client.request('a.test', { method: 'PUT', path: '/_matrix/federation/v1/send/spoof2', body: { origin: 'b.test', origin_server_ts: Date.now(), pdus: [], edus: [edus[2]!] } });
  await a.homeserver.federation!.deviceListUpdater.idle();
  const body = await sync(alice.api, since);
  assert.deepEqual(body.to_device?.events.map((e) => [e.type, e.sender]), [['m.fine', bob.user.userId]]);
  assert.deepEqual(cachedDevices(a, '@mallory:c.test'), []);
});

test('keys another server answers for users or devices other than those asked about are dropped', async (t) => {
  const [a] = await startFederatedServers(t, ['a.test']);
  const alice = await e2eeUser(a!, 'alice');
  const bobId = '@bob:b.test';
  const good = new TestDevice(bobId, 'GOOD').deviceKeys();
  const relabelled = { ...new TestDevice(bobId, 'OTHER').deviceKeys() };
  const mallorys = new TestDevice('@mallory:b.test', 'MALLORY').deviceKeys();
  // B is hostile here: its answer slips in other users, mislabelled devices and someone else's master key.
  a!.homeserver.handlers.e2ee.keyQuery.setRemote({
    queryKeys: async () => ({
      device_keys: {
        [bobId]: { GOOD: good, WRONG: relabelled, MALLORY: mallorys },
        '@carol:b.test': { C: new TestDevice('@carol:b.test', 'C').deviceKeys() },
      },
      master_keys: { [bobId]: { user_id: '@mallory:b.test', usage: ['master'], keys: {} } },
    }),
    claimKeys: async () => ({ one_time_keys: { '@carol:b.test': { C: { 'signed_curve25519:X': { key: 'k' } } } } }),
  });
  const query = await alice.api.ok<{ device_keys: Record<string, Record<string, unknown>>; master_keys?: Record<string, unknown> }>('POST', `${CLIENT}/keys/query`, {
    device_keys: { [bobId]: [] },
  });
  assert.deepEqual(query.device_keys, { [bobId]: { GOOD: good } });
  assert.deepEqual(query.master_keys ?? {}, {});
  const claim = await alice.api.ok<{ one_time_keys: Record<string, unknown> }>('POST', `${CLIENT}/keys/claim`, { one_time_keys: { [bobId]: { GOOD: 'signed_curve25519' } } });
  assert.deepEqual(claim.one_time_keys, {});
});

test('a device-list update whose prev_id A does not hold makes A fetch the whole list; an old one is ignored', async (t) => {
  const { a, b, bob } = await sharedRoom(t);
  await uploadDeviceKeys(bob);
  const remoteLists = new RemoteDeviceListsStore(a.homeserver.storage.stores.db);
  const version = () => remoteLists.extremity(bob.user.userId);
  await eventually(() => version() !== null && cachedDevices(a, bob.user.userId).includes(bob.user.deviceId), 'A to hold bob’s list');
  const held = Number(version());
  const sendEdu = async (txnId: string, content: JsonObject) => {
    await b.homeserver.federation!.client.request('a.test', {
      method: 'PUT',
      path: `/_matrix/federation/v1/send/${txnId}`,
      body: { origin: 'b.test', origin_server_ts: Date.now(), pdus: [], edus: [{ edu_type: 'm.device_list_update', content }] },
    });
    await a.homeserver.federation!.deviceListUpdater.idle();
  };
  const fetches = countListFetches(a);

  // Older than what A holds: ignored, nothing fetched.
  await sendEdu('old', { user_id: bob.user.userId, device_id: 'STALE', stream_id: held, prev_id: [held - 1], deleted: false });
  assert.equal(fetches.count, 0);
  assert.ok(!cachedDevices(a, bob.user.userId).includes('STALE'));

  // A gap (prev_id A never saw): the update is not applied on trust, the list is fetched whole from B instead.
  await sendEdu('gap', { user_id: bob.user.userId, device_id: 'GHOST', stream_id: held + 100, prev_id: [held + 50], deleted: false });
  assert.equal(fetches.count, 1, 'one whole-list fetch');
  assert.deepEqual(cachedDevices(a, bob.user.userId), [bob.user.deviceId], 'B’s list as B has it (no GHOST)');
  assert.equal(version(), String(b.homeserver.storage.stores.deviceLists.deviceListVersionFor('a.test', bob.user.userId)));
});
