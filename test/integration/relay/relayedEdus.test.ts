/**
 * EDUs carried through a relay are believed only with their origin's signature. B is offline; A sends bob a
 * to-device message (an EDU), which waits in B's mailbox with A's signature. The relay then turns forger: it
 * adds a transaction of its own "from A" without a signature, and a copy of A's genuine one with the EDU altered
 * under A's original signature. When B collects its mail, bob gets the genuine message and neither forgery;
 * the PDUs of an unsigned transaction are still judged on their own signatures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { eventually } from '../../support/federatedServers.ts';
import { RelayedHomeserver, RunningRelay } from '../../support/relayedServers.ts';

function toDevice(sender: string, userId: string, deviceId: string, type: string, note: string) {
  return { edu_type: 'm.direct_to_device', content: { sender, type, message_id: `${type}-${note}`, messages: { [userId]: { [deviceId]: { note } } } } };
}

test('a relay cannot forge or alter EDUs: only those its origin signed reach the tenant', { timeout: 120_000 }, async (t) => {
  const relay = await RunningRelay.start(t, { tenants: ['a.test', 'b.test'] });
  const a = await RelayedHomeserver.start(t, 'a.test', relay, { peers: ['b.test'] });
  const b = await RelayedHomeserver.start(t, 'b.test', relay, { peers: ['a.test'] });
  await eventually(() => relay.service.tunnels.connectedTenants().length === 2, 'both tunnels');
  const alice = new ClientApi(a.baseUrl, await createLoggedInUser(a, 'alice'));
  const bobUser = await createLoggedInUser(b, 'bob');
  const bob = new ClientApi(b.baseUrl, bobUser);
  const roomId = await alice.createRoom({ preset: 'private_chat', invite: [bob.userId] });
  await bob.join(roomId);
  await eventually(async () => (await a.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.userId), 'A to see bob join');

  await b.stop();
  await eventually(() => !relay.service.tunnels.isConnected('b.test'), 'B’s tunnel to close');
  const handedOver = () => a.homeserver.federation!.sender.queueStatus().every((q) => q.pending === 0);
  const message = await alice.text(roomId, 'a message in the forged transaction');
  await eventually(handedOver, 'A’s PDU to wait in B’s mailbox');
  await alice.ok('PUT', '/_matrix/client/v3/sendToDevice/m.test.genuine/td1', { messages: { [bob.userId]: { [bobUser.deviceId]: { note: 'genuine' } } } });
  await eventually(() => relay.service.mailboxStore.totals('b.test').entries >= 2 && handedOver(), 'A’s EDU to wait in B’s mailbox');

  // The relay forges, with its own database: one unsigned transaction "from A" (carrying A's genuine PDU and a
  // made-up EDU), and A's signed transaction with its EDU swapped for another.
  const db = relay.service.dataDirectory.db;
  const storedWith = (text: string) =>
    db.prepare("SELECT content_json, authorization_json FROM relay_mailbox WHERE tenant = 'b.test' AND content_json LIKE ?").get(`%${text}%`) as
      | { content_json: string; authorization_json: string | null }
      | undefined;
  const signedEdu = storedWith('m.test.genuine')!;
  const signedPdu = storedWith('a message in the forged transaction')!;
  assert.ok(signedEdu.authorization_json, 'the relay keeps A’s signature with the transaction');
  const store = relay.service.mailboxStore;
  const forgedUnsigned = store.deposit({
    tenant: 'b.test',
    origin: 'a.test',
    txnId: 'forged-unsigned',
    content: {
      origin: 'a.test',
      origin_server_ts: Date.now(),
      pdus: (JSON.parse(signedPdu.content_json) as { pdus: never[] }).pdus,
      edus: [toDevice(alice.userId, bob.userId, bobUser.deviceId, 'm.test.forged', 'unsigned')],
    },
    authorization: null,
  });
  const forgedAltered = store.deposit({
    tenant: 'b.test',
    origin: 'a.test',
    txnId: 'forged-altered',
    content: { ...(JSON.parse(signedEdu.content_json) as object), edus: [toDevice(alice.userId, bob.userId, bobUser.deviceId, 'm.test.forged', 'altered')] },
    authorization: JSON.parse(signedEdu.authorization_json!),
  });
  assert.equal(forgedUnsigned.kind, 'stored');
  assert.equal(forgedAltered.kind, 'stored');
  // The PDU must reach B only through the forged transaction for the last check to mean anything.
  assert.equal(db.prepare("DELETE FROM relay_mailbox WHERE tenant = 'b.test' AND content_json LIKE ? AND txn_id <> 'forged-unsigned'").run('%a message in the forged transaction%').changes, 1);

  await b.restart();
  await eventually(() => relay.service.mailboxStore.totals('b.test').entries === 0, 'B to collect its mail');
  const sync = await new ClientApi(b.baseUrl, bobUser).ok<{ to_device?: { events: { type: string; sender: string; content: { note?: string } }[] } }>('GET', '/_matrix/client/v3/sync?timeout=0');
  const received = (sync.to_device?.events ?? []).map((e) => `${e.sender} ${e.type} ${e.content.note}`);
  assert.deepEqual(received, [`${alice.userId} m.test.genuine genuine`], 'only the genuine, signed EDU was accepted');
  assert.notEqual(await b.homeserver.storage.stores.events.getEvent(message), null, 'the PDU, signed by A itself, was accepted');
});
