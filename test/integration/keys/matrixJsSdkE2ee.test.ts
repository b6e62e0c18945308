/**
 * End to end with real clients: matrix-js-sdk 43 with its Rust crypto in Node, against a real server.
 * - One client uploads its real device keys and one-time keys; another queries them, claims a one-time key by
 *   encrypting a to-device message for the device, and the device decrypts it.
 * - Two users in an encrypted room: one sends an encrypted message and the other decrypts the same plaintext
 *   (the server only ever holds ciphertext); a new device of the receiver appears in the sender's device list
 *   through the device-list stream; after both bootstrap cross-signing, the sender sees the receiver's device
 *   signed by its owner, signs the receiver's identity with its user-signing key, and that identity verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientEvent, MsgType, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { UserId, type OlmMachine, type OtherUserIdentity } from '@matrix-org/matrix-sdk-crypto-wasm';
import { createLoggedInUser, startTestHomeserver, type LoggedInUser, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { CLIENT, loginAgain } from './e2eeTestKit.ts';
import { eventually, sdkClientPool, startSyncing } from './sdkClients.ts';

function oneTimeKeyIds(hs: RunningHomeserver, user: LoggedInUser): string[] {
  return hs.homeserver.dataDirectory.db.prepare('SELECT key_id FROM e2e_one_time_keys_json WHERE user_id = ? AND device_id = ?').pluck().all(user.userId, user.deviceId) as string[];
}

function crypto(client: MatrixClient) {
  const api = client.getCrypto();
  if (!api) throw new Error('crypto not initialised');
  return api;
}

test('matrix-js-sdk uploads real device and one-time keys; another client queries them, claims one and sends an Olm message the device decrypts', { timeout: 120_000 }, async (t) => {
  const clients = sdkClientPool(t);
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const bob = await createLoggedInUser(hs, 'bob');
  const aliceClient = await clients.create(hs, alice);
  const bobClient = await clients.create(hs, bob);
  await startSyncing(aliceClient);
  await startSyncing(bobClient);

  const stores = hs.homeserver.storage.stores;
  const stored = await eventually('Alice\'s device keys on the server', () => stores.deviceKeys.getDeviceKeys(alice.userId, alice.deviceId) ?? undefined);
  const own = await crypto(aliceClient).getOwnDeviceKeys();
  assert.deepEqual(stored.keys, { [`ed25519:${alice.deviceId}`]: own.ed25519, [`curve25519:${alice.deviceId}`]: own.curve25519 });
  const keysBefore = await eventually('Alice\'s one-time keys', () => {
    const ids = oneTimeKeyIds(hs, alice);
    return ids.length > 0 ? ids : undefined;
  });

  // Bob downloads Alice's keys (/keys/query).
  const devices = await crypto(bobClient).getUserDeviceInfo([alice.userId], true);
  const device = devices.get(alice.userId)?.get(alice.deviceId);
  assert.ok(device, 'Bob sees Alice\'s device');
  assert.equal(device.getFingerprint(), own.ed25519);
  assert.equal(device.getIdentityKey(), own.curve25519);

  // Bob's crypto tracks the device lists of users he shares an encrypted room with: share one, so that his
  // client keeps Alice's device and can open an Olm session with it.
  const { room_id: roomId } = await aliceClient.createRoom({
    invite: [bob.userId],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await eventually('Bob sees the invite', () => bobClient.getRoom(roomId)?.getMyMembership() === 'invite');
  await bobClient.joinRoom(roomId);
  await eventually('Bob\'s client tracks Alice\'s device', async () => (await crypto(bobClient).getUserDeviceInfo([alice.userId])).get(alice.userId)?.has(alice.deviceId));

  // Encrypting for Alice's device claims one of her one-time keys (/keys/claim) to start an Olm session.
  const received = new Promise<MatrixEvent>((resolve) => {
    const listener = (event: MatrixEvent) => {
      if (event.getType() !== 'org.example.secret') return;
      aliceClient.off(ClientEvent.ToDeviceEvent, listener);
      resolve(event);
    };
    aliceClient.on(ClientEvent.ToDeviceEvent, listener);
  });
  const batch = await crypto(bobClient).encryptToDeviceMessages('org.example.secret', [{ userId: alice.userId, deviceId: alice.deviceId }], { secret: 'open sesame' });
  assert.equal(batch.eventType, 'm.room.encrypted');
  const keysAfter = new Set(oneTimeKeyIds(hs, alice));
  assert.equal(keysBefore.filter((id) => !keysAfter.has(id)).length, 1, 'exactly one of Alice\'s one-time keys was claimed');
  await bobClient.queueToDevice(batch);
  const event = await received;
  assert.equal(event.getSender(), bob.userId);
  assert.deepEqual(event.getContent(), { secret: 'open sesame' });
  assert.equal(event.isEncrypted(), true);
});

test('two matrix-js-sdk users chat in an encrypted room; a new device shows up; cross-signed identities verify', { timeout: 180_000 }, async (t) => {
  const clients = sdkClientPool(t);
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice', 'alice-pw');
  const bob = await createLoggedInUser(hs, 'bob', 'bob-pw');
  const aliceClient = await clients.create(hs, alice);
  const bobClient = await clients.create(hs, bob);
  await startSyncing(aliceClient);
  await startSyncing(bobClient);
  const stores = hs.homeserver.storage.stores;

  const { room_id: roomId } = await aliceClient.createRoom({
    invite: [bob.userId],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await eventually('Bob sees the invite', () => bobClient.getRoom(roomId)?.getMyMembership() === 'invite');
  await bobClient.joinRoom(roomId);
  await eventually('Alice sees Bob joined', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.membership === 'join');
  await eventually('Bob\'s keys on the server', () => stores.deviceKeys.getDeviceKeys(bob.userId, bob.deviceId) !== null);

  // The message goes out encrypted (Megolm, its key shared with Bob's device over Olm) and Bob decrypts it.
  const { event_id: eventId } = await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'a secret only Bob can read' });
  const decrypted = await eventually('Bob decrypts the message', async () => {
    const event = bobClient.getRoom(roomId)?.findEventById(eventId);
    if (!event) return undefined;
    await bobClient.decryptEventIfNeeded(event);
    return event.getType() === 'm.room.message' ? event : undefined;
  });
  assert.equal(decrypted.getContent().body, 'a secret only Bob can read');
  assert.equal(decrypted.isEncrypted(), true);
  const onServer = await stores.events.getEvent(eventId);
  assert.equal(onServer?.event.type, 'm.room.encrypted', 'the server holds only ciphertext');
  assert.ok(!JSON.stringify(onServer?.event.content).includes('secret only Bob'));

  // Bob logs in on a new device: Alice's client learns of it through device_lists in /sync.
  const bobPhone = await loginAgain(hs, bob.userId, 'bob-pw');
  const bobPhoneClient = await clients.create(hs, bobPhone.user);
  await startSyncing(bobPhoneClient);
  await eventually('Alice\'s client lists Bob\'s new device', async () => (await crypto(aliceClient).getUserDeviceInfo([bob.userId])).get(bob.userId)?.has(bobPhone.user.deviceId));

  // Both bootstrap cross-signing (the first upload needs no password); Alice sees Bob's device signed by Bob.
  for (const [client, user, password] of [
    [bobClient, bob, 'bob-pw'],
    [aliceClient, alice, 'alice-pw'],
  ] as const) {
    await crypto(client).bootstrapCrossSigning({
      authUploadDeviceSigningKeys: async (makeRequest) => {
        try {
          await makeRequest(null);
        } catch {
          await makeRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: user.userId }, password });
        }
      },
    });
    assert.equal(await crypto(client).isCrossSigningReady(), true);
  }
  await eventually('Alice sees Bob\'s device signed by Bob', async () => (await crypto(aliceClient).getDeviceVerificationStatus(bob.userId, bob.deviceId))?.signedByOwner);
  assert.equal((await crypto(aliceClient).getUserVerificationStatus(bob.userId)).isCrossSigningVerified(), false);

  // Alice verifies Bob's identity: her user-signing key signs his master key (/keys/signatures/upload).
  const olmMachine = (aliceClient.getCrypto() as unknown as { olmMachine: OlmMachine }).olmMachine;
  const identity = (await olmMachine.getIdentity(new UserId(bob.userId))) as OtherUserIdentity | undefined;
  assert.ok(identity, 'Alice\'s client knows Bob\'s identity');
  const upload = await identity.verify();
  const res = await fetch(`${hs.baseUrl}${CLIENT}/keys/signatures/upload`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice.accessToken}`, 'Content-Type': 'application/json' },
    body: upload.body,
  });
  assert.deepEqual(await res.json(), { failures: {} });
  // Alice's own devices hear of her new signature through the device-list stream; the identity now verifies.
  await eventually('Bob\'s identity verifies for Alice', async () => (await crypto(aliceClient).getUserVerificationStatus(bob.userId)).isCrossSigningVerified());
  const bobDevice = await crypto(aliceClient).getDeviceVerificationStatus(bob.userId, bob.deviceId);
  assert.equal(bobDevice?.crossSigningVerified, true);
});
