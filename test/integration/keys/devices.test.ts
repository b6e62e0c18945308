/**
 * Device management over real HTTP (spec-validated): list, get, rename, delete behind user-interactive auth
 * (no auth, wrong password, right password, a session bound to another deletion), bulk deletion; deleting a
 * device revokes its tokens, forgets its keys and inbox, and is a device-list change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHomeserver } from '../../support/testHomeserver.ts';
import { request } from '../../support/httpClient.ts';
import { CLIENT, e2eeUser, loginAgain, passwordAuth, twoE2eeUsers, uploadDeviceKeys } from './e2eeTestKit.ts';

const enc = encodeURIComponent;

interface Device {
  device_id: string;
  display_name?: string;
  last_seen_ip?: string;
  last_seen_ts?: number;
}

test('GET /devices lists the user\'s devices; GET /devices/{id} reads one; unknown is 404', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const second = await loginAgain(hs, alice.user.userId, 'password', 'PHONE');
  const bob = await e2eeUser(hs, 'bob');

  const { devices } = await alice.api.ok<{ devices: Device[] }>('GET', `${CLIENT}/devices`);
  assert.deepEqual(devices.map((d) => d.device_id).sort(), [alice.user.deviceId, 'PHONE'].sort());
  const one = await second.api.ok<Device>('GET', `${CLIENT}/devices/PHONE`);
  assert.equal(one.device_id, 'PHONE');
  await alice.api.fails('GET', `${CLIENT}/devices/NOPE`, undefined, 404, 'M_NOT_FOUND');
  // Another user's device is not yours to see.
  await bob.api.fails('GET', `${CLIENT}/devices/PHONE`, undefined, 404, 'M_NOT_FOUND');
  const anonymous = await request(hs.baseUrl, 'GET', `${CLIENT}/devices`);
  assert.equal(anonymous.status, 401);
});

test('PUT /devices/{id} renames a device (visible in /keys/query), refuses bad names and unknown devices', async (t) => {
  const { hs, alice, bob } = await twoE2eeUsers(t);
  await uploadDeviceKeys(alice);
  const before = hs.homeserver.storage.stores.streams.deviceLists.getCurrentToken();
  await alice.api.ok('PUT', `${CLIENT}/devices/${enc(alice.user.deviceId)}`, { display_name: 'Laptop' });
  assert.equal((await alice.api.ok<Device>('GET', `${CLIENT}/devices/${enc(alice.user.deviceId)}`)).display_name, 'Laptop');
  assert.ok(hs.homeserver.storage.stores.streams.deviceLists.getCurrentToken() > before, 'a rename is a device-list change');

  const query = await bob.api.ok<{ device_keys: Record<string, Record<string, { unsigned: { device_display_name?: string } }>> }>('POST', `${CLIENT}/keys/query`, {
    device_keys: { [alice.user.userId]: [] },
  });
  assert.equal(query.device_keys[alice.user.userId]![alice.user.deviceId]!.unsigned.device_display_name, 'Laptop');

  // No display_name: nothing changes.
  await alice.api.ok('PUT', `${CLIENT}/devices/${enc(alice.user.deviceId)}`, {});
  assert.equal((await alice.api.ok<Device>('GET', `${CLIENT}/devices/${enc(alice.user.deviceId)}`)).display_name, 'Laptop');
  await alice.api.fails('PUT', `${CLIENT}/devices/NOPE`, { display_name: 'x' }, 404, 'M_NOT_FOUND');
  await alice.api.fails('PUT', `${CLIENT}/devices/${enc(alice.user.deviceId)}`, { display_name: 5 }, 400, 'M_BAD_JSON');
  await alice.api.fails('PUT', `${CLIENT}/devices/${enc(alice.user.deviceId)}`, { display_name: 'x'.repeat(101) }, 400, 'M_INVALID_PARAM');
  await bob.api.fails('PUT', `${CLIENT}/devices/${enc(alice.user.deviceId)}`, { display_name: 'mine now' }, 404, 'M_NOT_FOUND');
});

test('DELETE /devices/{id}: no auth gives a challenge, a wrong password fails, the right one deletes; tokens, keys and inbox go', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice', 's3cret');
  const phone = await loginAgain(hs, alice.user.userId, 's3cret', 'PHONE');
  await uploadDeviceKeys(phone, { one_time_keys: phone.device.oneTimeKeys(3), fallback_keys: phone.device.fallbackKey() });
  await alice.api.ok('PUT', `${CLIENT}/sendToDevice/m.test/t1`, { messages: { [alice.user.userId]: { PHONE: { hello: 'phone' } } } });
  const stores = hs.homeserver.storage.stores;
  assert.equal(stores.deviceInbox.pendingCount(alice.user.userId, 'PHONE'), 1);

  const path = `${CLIENT}/devices/PHONE`;
  const challenge = await alice.api.call('DELETE', path, {});
  assert.equal(challenge.status, 401);
  const { session, flows } = challenge.body as { session: string; flows: { stages: string[] }[] };
  assert.deepEqual(flows, [{ stages: ['m.login.password'] }]);
  // No body at all also gets the challenge.
  assert.equal((await alice.api.call('DELETE', path)).status, 401);

  const wrong = await alice.api.call('DELETE', path, { auth: passwordAuth(alice.user.userId, 'nope', session) });
  assert.equal(wrong.status, 401);
  assert.equal((wrong.body as { errcode: string }).errcode, 'M_FORBIDDEN');
  assert.equal((wrong.body as { session: string }).session, session);
  // Still there.
  await phone.api.ok('GET', `${CLIENT}/account/whoami`);

  const before = stores.streams.deviceLists.getCurrentToken();
  await alice.api.ok('DELETE', path, { auth: passwordAuth(alice.user.userId, 's3cret', session) });
  const whoami = await phone.api.call('GET', `${CLIENT}/account/whoami`);
  assert.deepEqual([whoami.status, (whoami.body as { errcode: string }).errcode], [401, 'M_UNKNOWN_TOKEN']);
  await alice.api.fails('GET', path, undefined, 404, 'M_NOT_FOUND');
  assert.equal(stores.deviceKeys.getDeviceKeys(alice.user.userId, 'PHONE'), null);
  assert.deepEqual(stores.oneTimeKeys.countOneTimeKeys(alice.user.userId, 'PHONE'), {});
  assert.equal(stores.oneTimeKeys.getFallbackKey(alice.user.userId, 'PHONE', 'signed_curve25519'), null);
  assert.equal(stores.deviceInbox.pendingCount(alice.user.userId, 'PHONE'), 0);
  const after = stores.streams.deviceLists.getCurrentToken();
  assert.ok(after > before);
  assert.deepEqual(stores.deviceLists.getUsersWhoseDevicesChanged(before, after), [alice.user.userId]);

  // The completed session is spent; deleting an already deleted device succeeds (after auth).
  const again = await alice.api.call('DELETE', path, { auth: passwordAuth(alice.user.userId, 's3cret', session) });
  assert.equal(again.status, 400);
  const next = (await alice.api.call('DELETE', path, {})).body as { session: string };
  await alice.api.ok('DELETE', path, { auth: passwordAuth(alice.user.userId, 's3cret', next.session) });
});

test('a session started to delete one device cannot delete another; another user\'s password is refused', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice', 'apw');
  await e2eeUser(hs, 'bob', 'bpw');
  await loginAgain(hs, alice.user.userId, 'apw', 'ONE');
  await loginAgain(hs, alice.user.userId, 'apw', 'TWO');
  const { session } = (await alice.api.call('DELETE', `${CLIENT}/devices/ONE`, {})).body as { session: string };
  const other = await alice.api.call('DELETE', `${CLIENT}/devices/TWO`, { auth: passwordAuth(alice.user.userId, 'apw', session) });
  assert.deepEqual([other.status, (other.body as { errcode: string }).errcode], [403, 'M_FORBIDDEN']);
  const bobs = await alice.api.call('DELETE', `${CLIENT}/devices/ONE`, { auth: passwordAuth('@bob:hs.test', 'bpw', session) });
  assert.equal(bobs.status, 401);
  assert.equal((bobs.body as { errcode: string }).errcode, 'M_FORBIDDEN');
  await alice.api.ok('GET', `${CLIENT}/devices/ONE`);
  await alice.api.ok('GET', `${CLIENT}/devices/TWO`);
});

test('POST /delete_devices deletes several devices after auth; bad bodies are refused', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice', 'pw');
  const one = await loginAgain(hs, alice.user.userId, 'pw', 'ONE');
  const two = await loginAgain(hs, alice.user.userId, 'pw', 'TWO');
  await uploadDeviceKeys(one);
  await uploadDeviceKeys(two);
  const path = `${CLIENT}/delete_devices`;
  await alice.api.fails('POST', path, {}, 400, 'M_MISSING_PARAM');
  await alice.api.fails('POST', path, { devices: 'ONE' }, 400, 'M_BAD_JSON');
  await alice.api.fails('POST', path, { devices: [1] }, 400, 'M_BAD_JSON');
  const challenge = await alice.api.call('POST', path, { devices: ['ONE', 'TWO', 'NEVER'] });
  assert.equal(challenge.status, 401);
  const { session } = challenge.body as { session: string };
  // The session is bound to that set of devices.
  const different = await alice.api.call('POST', path, { devices: ['ONE'], auth: passwordAuth(alice.user.userId, 'pw', session) });
  assert.equal(different.status, 403);
  await alice.api.ok('POST', path, { devices: ['TWO', 'NEVER', 'ONE'], auth: passwordAuth(alice.user.userId, 'pw', session) });
  const { devices } = await alice.api.ok<{ devices: Device[] }>('GET', `${CLIENT}/devices`);
  assert.deepEqual(devices.map((d) => d.device_id), [alice.user.deviceId]);
  for (const gone of [one, two]) assert.equal((await gone.api.call('GET', `${CLIENT}/account/whoami`)).status, 401);
  assert.deepEqual(hs.homeserver.storage.stores.deviceKeys.deviceIdsWithKeys(alice.user.userId), []);
});
