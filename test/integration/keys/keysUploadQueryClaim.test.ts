/**
 * `/keys/upload`, `/keys/query` and `/keys/claim` over real HTTP, every response validated against the spec:
 * signed device keys and one-time keys, malformed keys, signatures that do not verify, keys of another user or
 * device, identity keys that change, one-time key ID reuse, fallback keys, claims in upload order, unknown
 * devices absent, remote users under `failures`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { CLIENT, TestDevice, curve25519Key, e2eeUser, loginAgain, twoE2eeUsers, uploadDeviceKeys } from './e2eeTestKit.ts';
import { startTestHomeserver } from '../../support/testHomeserver.ts';

type DeviceKeysMap = Record<string, Record<string, JsonObject & { unsigned?: JsonObject }>>;
interface QueryResponse {
  device_keys: DeviceKeysMap;
  failures?: Record<string, JsonObject>;
  master_keys?: Record<string, JsonObject>;
}
interface ClaimResponse {
  one_time_keys: Record<string, Record<string, Record<string, JsonObject>>>;
  failures?: Record<string, JsonObject>;
}

test('uploaded device keys come back from /keys/query as uploaded, with unsigned.device_display_name', async (t) => {
  const { alice, bob } = await twoE2eeUsers(t);
  const counts = await uploadDeviceKeys(alice);
  assert.deepEqual(counts.one_time_key_counts, { signed_curve25519: 0 });
  await alice.api.ok('PUT', `${CLIENT}/devices/${alice.user.deviceId}`, { display_name: "Alice's laptop" });

  const res = await bob.api.ok<QueryResponse>('POST', `${CLIENT}/keys/query`, { device_keys: { [alice.user.userId]: [], '@nobody:hs.test': [] } });
  const device = res.device_keys[alice.user.userId]![alice.user.deviceId]!;
  const { unsigned, ...keys } = device;
  assert.deepEqual(keys, alice.device.deviceKeys());
  assert.deepEqual(unsigned, { device_display_name: "Alice's laptop" });
  assert.deepEqual(res.device_keys['@nobody:hs.test'], {});
  assert.deepEqual(res.failures, {});

  // Asking for named devices: only those (and unknown ones are just absent).
  const named = await bob.api.ok<QueryResponse>('POST', `${CLIENT}/keys/query`, { device_keys: { [alice.user.userId]: ['NOPE', alice.user.deviceId] } });
  assert.deepEqual(Object.keys(named.device_keys[alice.user.userId]!), [alice.user.deviceId]);
  // Re-uploading the same keys is fine and is not a device-list change.
  await uploadDeviceKeys(alice);
});

test('device keys are refused when malformed, of another user or device, or not signed by the device\'s key', async (t) => {
  const { alice } = await twoE2eeUsers(t);
  const upload = (device_keys: unknown) => ({ device_keys });
  const good = alice.device.unsignedDeviceKeys();
  const sign = (keys: JsonObject) => alice.device.ed25519.sign(keys, alice.user.userId, alice.device.keyId);
  const path = `${CLIENT}/keys/upload`;

  await alice.api.fails('POST', path, upload('nope'), 400, 'M_BAD_JSON');
  await alice.api.fails('POST', path, upload(sign({ ...good, user_id: '@bob:hs.test' })), 400, 'M_INVALID_PARAM');
  await alice.api.fails('POST', path, upload(sign({ ...good, device_id: 'OTHER' })), 400, 'M_INVALID_PARAM');
  await alice.api.fails('POST', path, upload(sign({ ...good, algorithms: 'x' })), 400, 'M_BAD_JSON');
  await alice.api.fails('POST', path, upload(sign({ ...good, keys: { [`curve25519:${alice.user.deviceId}`]: curve25519Key() } })), 400, 'M_INVALID_PARAM');
  await alice.api.fails('POST', path, upload(sign({ ...good, keys: { ...(good.keys as JsonObject), [alice.device.keyId]: 'not base64!' } })), 400, 'M_INVALID_PARAM');
  await alice.api.fails('POST', path, upload(sign({ ...good, keys: { ...(good.keys as JsonObject), 'curve25519:SOMEONE': curve25519Key() } })), 400, 'M_INVALID_PARAM');
  await alice.api.fails('POST', path, upload(sign({ ...good, keys: { ...(good.keys as JsonObject), [`curve25519:${alice.user.deviceId}`]: 'c2hvcnQ' } })), 400, 'M_INVALID_PARAM');
  await alice.api.fails('POST', path, upload({ ...good }), 400, 'M_BAD_JSON');
  await alice.api.fails('POST', path, upload({ ...good, signatures: {} }), 400, 'M_INVALID_SIGNATURE');
  // Signed by some other key under the device's key ID.
  const impostor = new TestDevice(alice.user.userId, alice.user.deviceId);
  await alice.api.fails('POST', path, upload(impostor.ed25519.sign(good, alice.user.userId, alice.device.keyId)), 400, 'M_INVALID_SIGNATURE');
  // Signed, then changed.
  await alice.api.fails('POST', path, upload({ ...sign(good), algorithms: ['m.megolm.v1.aes-sha2'] }), 400, 'M_INVALID_SIGNATURE');
  await alice.api.fails('POST', path, upload({ ...sign(good), extra: 1.5 }), 400, 'M_BAD_JSON');
  // Nothing was stored by any of these.
  const res = await alice.api.ok<QueryResponse>('POST', `${CLIENT}/keys/query`, { device_keys: { [alice.user.userId]: [] } });
  assert.deepEqual(res.device_keys[alice.user.userId], {});
});

test('a device\'s identity keys cannot be replaced by different ones; more signatures on the same keys are fine', async (t) => {
  const { hs, alice } = await twoE2eeUsers(t);
  await uploadDeviceKeys(alice);
  const other = new TestDevice(alice.user.userId, alice.user.deviceId);
  await alice.api.fails('POST', `${CLIENT}/keys/upload`, { device_keys: other.deviceKeys() }, 400, 'M_INVALID_PARAM');
  const stored = hs.homeserver.storage.stores.deviceKeys.getDeviceKeys(alice.user.userId, alice.user.deviceId);
  assert.deepEqual(stored, alice.device.deviceKeys());
  // The same identity keys carrying one more signature (say, an older self-signing one) are accepted.
  const extra = new TestDevice(alice.user.userId, 'SIGNER').ed25519.sign(alice.device.deviceKeys(), alice.user.userId, 'ed25519:SIGNER');
  await alice.api.ok('POST', `${CLIENT}/keys/upload`, { device_keys: extra });
  assert.deepEqual(hs.homeserver.storage.stores.deviceKeys.getDeviceKeys(alice.user.userId, alice.user.deviceId), extra);
});

test('one-time and fallback keys: counted, checked, duplicates with other content refused, retries harmless', async (t) => {
  const { alice } = await twoE2eeUsers(t);
  const path = `${CLIENT}/keys/upload`;
  const sign = (key: JsonObject) => alice.device.ed25519.sign(key, alice.user.userId, alice.device.keyId);
  // Signed keys need the device's identity keys to check them.
  await alice.api.fails('POST', path, { one_time_keys: alice.device.oneTimeKeys(1) }, 400, 'M_INVALID_PARAM');

  const keys = alice.device.oneTimeKeys(5);
  const counts = await uploadDeviceKeys(alice, { one_time_keys: keys, fallback_keys: alice.device.fallbackKey() });
  assert.deepEqual(counts.one_time_key_counts, { signed_curve25519: 5 });
  // The same keys again (a retried request): nothing new.
  assert.deepEqual((await alice.api.ok<{ one_time_key_counts: JsonObject }>('POST', path, { one_time_keys: keys })).one_time_key_counts, { signed_curve25519: 5 });
  // An old ID with a new key is refused, and nothing of that request is stored.
  await alice.api.fails('POST', path, { one_time_keys: { ...alice.device.oneTimeKeys(2, 'NEW'), 'signed_curve25519:K0': sign({ key: curve25519Key() }) } }, 400, 'M_INVALID_PARAM');
  assert.deepEqual((await alice.api.ok<{ one_time_key_counts: JsonObject }>('POST', path, {})).one_time_key_counts, { signed_curve25519: 5 });

  const bad = (one_time_keys: unknown) => alice.api.call('POST', path, { one_time_keys });
  for (const [body, errcode] of [
    ['x', 'M_BAD_JSON'],
    [{ nocolon: sign({ key: curve25519Key() }) }, 'M_INVALID_PARAM'],
    [{ 'signed_curve25519:A': curve25519Key() }, 'M_BAD_JSON'],
    [{ 'signed_curve25519:A': { key: curve25519Key() } }, 'M_BAD_JSON'],
    [{ 'signed_curve25519:A': sign({ key: 'short' }) }, 'M_INVALID_PARAM'],
    [{ 'signed_curve25519:A': { key: curve25519Key(), signatures: {} } }, 'M_INVALID_SIGNATURE'],
    [{ 'signed_curve25519:A': new TestDevice(alice.user.userId, alice.user.deviceId).oneTimeKeys(1)['signed_curve25519:K0'] }, 'M_INVALID_SIGNATURE'],
    [{ 'curve25519:A': 'bad key' }, 'M_INVALID_PARAM'],
    [{ 'signed_curve25519:A': 5 }, 'M_BAD_JSON'],
  ] as const) {
    const res = await bad(body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assert.equal((res.body as { errcode: string }).errcode, errcode, `${JSON.stringify(body)}: ${res.text}`);
  }
  await alice.api.fails('POST', path, { fallback_keys: { ...alice.device.fallbackKey('F2'), ...alice.device.fallbackKey('F3') } }, 400, 'M_INVALID_PARAM');
  // Unsigned curve25519 keys (an older algorithm) are accepted and counted apart.
  const mixed = await alice.api.ok<{ one_time_key_counts: JsonObject }>('POST', path, { one_time_keys: { 'curve25519:U1': curve25519Key() } });
  assert.deepEqual(mixed.one_time_key_counts, { signed_curve25519: 5, curve25519: 1 });
});

test('/keys/claim hands out one-time keys in upload order, each once, then the fallback key; unknown devices are absent', async (t) => {
  const { hs, alice, bob } = await twoE2eeUsers(t);
  const first = alice.device.oneTimeKeys(2, 'A');
  await uploadDeviceKeys(alice, { one_time_keys: first });
  const second = alice.device.oneTimeKeys(1, 'B');
  await alice.api.ok('POST', `${CLIENT}/keys/upload`, { one_time_keys: second, fallback_keys: alice.device.fallbackKey('FB') });
  const claim = () =>
    bob.api.ok<ClaimResponse>('POST', `${CLIENT}/keys/claim`, {
      one_time_keys: { [alice.user.userId]: { [alice.user.deviceId]: 'signed_curve25519', NOPE: 'signed_curve25519' }, '@ghost:hs.test': { X: 'signed_curve25519' } },
    });
  const claimed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await claim();
    assert.deepEqual(Object.keys(res.one_time_keys), [alice.user.userId]);
    assert.deepEqual(Object.keys(res.one_time_keys[alice.user.userId]!), [alice.user.deviceId]);
    const [[keyId, key]] = Object.entries(res.one_time_keys[alice.user.userId]![alice.user.deviceId]!) as [[string, JsonObject]];
    assert.deepEqual(key, { ...first, ...second }[keyId]);
    claimed.push(keyId);
  }
  assert.deepEqual(claimed.slice(0, 2).sort(), ['signed_curve25519:A0', 'signed_curve25519:A1']);
  assert.equal(claimed[2], 'signed_curve25519:B0');
  const stores = hs.homeserver.storage.stores;
  assert.deepEqual(stores.oneTimeKeys.unusedFallbackKeyTypes(alice.user.userId, alice.user.deviceId), ['signed_curve25519']);
  // Exhausted: the fallback key, again and again, now marked used.
  for (let i = 0; i < 2; i++) {
    const res = await claim();
    assert.deepEqual(Object.keys(res.one_time_keys[alice.user.userId]![alice.user.deviceId]!), ['signed_curve25519:FB']);
  }
  assert.deepEqual(stores.oneTimeKeys.unusedFallbackKeyTypes(alice.user.userId, alice.user.deviceId), []);
  // Uploading the same fallback key again does not make it unused; a new one does.
  await alice.api.ok('POST', `${CLIENT}/keys/upload`, { fallback_keys: { 'signed_curve25519:FB': stores.oneTimeKeys.getFallbackKey(alice.user.userId, alice.user.deviceId, 'signed_curve25519')!.key as JsonObject } });
  assert.deepEqual(stores.oneTimeKeys.unusedFallbackKeyTypes(alice.user.userId, alice.user.deviceId), []);
  await alice.api.ok('POST', `${CLIENT}/keys/upload`, { fallback_keys: alice.device.fallbackKey('FC') });
  assert.deepEqual(stores.oneTimeKeys.unusedFallbackKeyTypes(alice.user.userId, alice.user.deviceId), ['signed_curve25519']);
  // An algorithm the device has no keys for: absent.
  const none = await bob.api.ok<ClaimResponse>('POST', `${CLIENT}/keys/claim`, { one_time_keys: { [alice.user.userId]: { [alice.user.deviceId]: 'curve25519' } } });
  assert.deepEqual(none.one_time_keys, {});
});

test('concurrent claims never hand out the same one-time key twice', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const claimers = await Promise.all(['b', 'c', 'd', 'e'].map((name) => e2eeUser(hs, name)));
  await uploadDeviceKeys(alice, { one_time_keys: alice.device.oneTimeKeys(20) });
  const results = await Promise.all(
    claimers.flatMap((c) =>
      Array.from({ length: 5 }, () => c.api.ok<ClaimResponse>('POST', `${CLIENT}/keys/claim`, { one_time_keys: { [alice.user.userId]: { [alice.user.deviceId]: 'signed_curve25519' } } })),
    ),
  );
  const ids = results.map((r) => Object.keys(r.one_time_keys[alice.user.userId]![alice.user.deviceId]!)[0]);
  assert.equal(new Set(ids).size, 20);
  assert.deepEqual(hs.homeserver.storage.stores.oneTimeKeys.countOneTimeKeys(alice.user.userId, alice.user.deviceId), {});
});

test('remote users are reported under failures (no federation yet); malformed requests are refused', async (t) => {
  const { alice, bob } = await twoE2eeUsers(t);
  await uploadDeviceKeys(alice, { one_time_keys: alice.device.oneTimeKeys(1) });
  const query = await bob.api.ok<QueryResponse>('POST', `${CLIENT}/keys/query`, {
    device_keys: { [alice.user.userId]: [], '@carol:remote.example': [], '@dan:other.example': ['X'] },
    timeout: 1000,
  });
  assert.deepEqual(Object.keys(query.failures!).sort(), ['other.example', 'remote.example']);
  assert.equal(query.failures!['remote.example']!.status, 503);
  assert.ok(query.device_keys[alice.user.userId]![alice.user.deviceId]);
  const claim = await bob.api.ok<ClaimResponse>('POST', `${CLIENT}/keys/claim`, {
    one_time_keys: { [alice.user.userId]: { [alice.user.deviceId]: 'signed_curve25519' }, '@carol:remote.example': { X: 'signed_curve25519' } },
  });
  assert.deepEqual(Object.keys(claim.failures!), ['remote.example']);
  assert.equal(Object.keys(claim.one_time_keys[alice.user.userId]![alice.user.deviceId]!).length, 1);

  await bob.api.fails('POST', `${CLIENT}/keys/query`, {}, 400, 'M_MISSING_PARAM');
  await bob.api.fails('POST', `${CLIENT}/keys/query`, { device_keys: [] }, 400, 'M_BAD_JSON');
  await bob.api.fails('POST', `${CLIENT}/keys/query`, { device_keys: { 'not-a-user': [] } }, 400, 'M_INVALID_PARAM');
  await bob.api.fails('POST', `${CLIENT}/keys/query`, { device_keys: { [alice.user.userId]: 'all' } }, 400, 'M_BAD_JSON');
  await bob.api.fails('POST', `${CLIENT}/keys/query`, { device_keys: {}, timeout: 'soon' }, 400, 'M_BAD_JSON');
  await bob.api.fails('POST', `${CLIENT}/keys/claim`, {}, 400, 'M_MISSING_PARAM');
  await bob.api.fails('POST', `${CLIENT}/keys/claim`, { one_time_keys: { [alice.user.userId]: ['x'] } }, 400, 'M_BAD_JSON');
  await bob.api.fails('POST', `${CLIENT}/keys/claim`, { one_time_keys: { [alice.user.userId]: { D: 5 } } }, 400, 'M_BAD_JSON');
  await bob.api.fails('POST', `${CLIENT}/keys/claim`, { one_time_keys: { bad: {} } }, 400, 'M_INVALID_PARAM');
});

test('a device that logs in again under its ID keeps its keys; keys of deleted devices are not served', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await e2eeUser(hs, 'alice');
  const phone = await loginAgain(hs, alice.user.userId, 'password', 'PHONE');
  await uploadDeviceKeys(phone);
  const again = await loginAgain(hs, alice.user.userId, 'password', 'PHONE');
  const res = await again.api.ok<QueryResponse>('POST', `${CLIENT}/keys/query`, { device_keys: { [alice.user.userId]: [] } });
  assert.deepEqual(Object.keys(res.device_keys[alice.user.userId]!), ['PHONE']);
  hs.homeserver.handlers.e2ee.devices.deleteDevicesNow(alice.user.userId, ['PHONE']);
  const after = await alice.api.ok<QueryResponse>('POST', `${CLIENT}/keys/query`, { device_keys: { [alice.user.userId]: [] } });
  assert.deepEqual(after.device_keys[alice.user.userId], {});
});
