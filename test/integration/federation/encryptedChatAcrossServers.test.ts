/**
 * Real clients on two servers: matrix-js-sdk with its Rust crypto, Alice on A and Bob on B, in an encrypted
 * room. Each client downloads the other's device keys through its own server (federation /user/keys/query),
 * claims a one-time key over federation to open an Olm session, shares the Megolm key as a to-device message
 * that crosses servers, and decrypts the other's message. Neither server ever holds the plaintext.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MsgType, type MatrixClient } from 'matrix-js-sdk';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { startFederatedServers } from '../../support/federatedServers.ts';
import { eventually, sdkClientPool, startSyncing } from '../keys/sdkClients.ts';

async function decryptedBody(client: MatrixClient, roomId: string, eventId: string): Promise<string | undefined> {
  const event = client.getRoom(roomId)?.findEventById(eventId);
  if (!event) return undefined;
  await client.decryptEventIfNeeded(event);
  return event.getType() === 'm.room.message' && event.isEncrypted() ? (event.getContent().body as string) : undefined;
}

test('matrix-js-sdk users on two servers chat in an encrypted room and each decrypts the other', { timeout: 180_000 }, async (t) => {
  const clients = sdkClientPool(t);
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = await createLoggedInUser(a!, 'alice');
  const bob = await createLoggedInUser(b!, 'bob');
  const aliceClient = await clients.create(a!, alice);
  const bobClient = await clients.create(b!, bob);
  await startSyncing(aliceClient);
  await startSyncing(bobClient);

  const { room_id: roomId } = await aliceClient.createRoom({
    invite: [bob.userId],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await eventually('Bob sees the invite from A', () => bobClient.getRoom(roomId)?.getMyMembership() === 'invite');
  await bobClient.joinRoom(roomId);
  await eventually('Alice sees Bob joined', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.membership === 'join');
  for (const [name, client] of [['Alice', aliceClient], ['Bob', bobClient]] as const) {
    await eventually(`${name}’s crypto to know the room is encrypted`, () => client.getCrypto()?.isEncryptionEnabledInRoom(roomId));
  }

  const { event_id: fromAlice } = await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'hello from A, for B only' });
  assert.equal(await eventually('Bob decrypts Alice’s message', () => decryptedBody(bobClient, roomId, fromAlice)), 'hello from A, for B only');

  const { event_id: fromBob } = await bobClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'and back from B' });
  assert.equal(await eventually('Alice decrypts Bob’s message', () => decryptedBody(aliceClient, roomId, fromBob)), 'and back from B');

  for (const [server, eventId, plaintext] of [
    [a!, fromAlice, 'hello from A'],
    [b!, fromAlice, 'hello from A'],
    [a!, fromBob, 'back from B'],
    [b!, fromBob, 'back from B'],
  ] as const) {
    const stored = await server.homeserver.storage.stores.events.getEvent(eventId);
    assert.equal(stored?.event.type, 'm.room.encrypted');
    assert.ok(!JSON.stringify(stored?.event.content).includes(plaintext), 'only ciphertext on the servers');
  }
});
