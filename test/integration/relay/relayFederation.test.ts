/**
 * Two desktop homeservers that can reach nothing but a relay (no federation listener of their own; each
 * resolves the other's name to the relay), with matrix-js-sdk clients:
 * - an invite, a join and a chat both ways, all through the live tunnels;
 * - B goes offline and A sends 200 messages, the relay restarting halfway; nobody but B may read or acknowledge
 *   B's mailbox; B comes back and has all 200 in its timeline, in order, each once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MsgType, type MatrixClient } from 'matrix-js-sdk';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { RelayedHomeserver, RunningRelay } from '../../support/relayedServers.ts';
import { eventually, sdkClientPool, startSyncing } from '../keys/sdkClients.ts';
import { FederationRequestError } from '../../../core/federation/federationHttpClient.ts';
import { mailboxUserId } from '../../../core/relay/relayFallbackSender.ts';

function bodyOf(client: MatrixClient, roomId: string, eventId: string): string | undefined {
  return client.getRoom(roomId)?.findEventById(eventId)?.getContent().body as string | undefined;
}

/** Every message body of the room's timeline on the user's server, oldest first. */
async function timelineBodies(api: ClientApi, roomId: string): Promise<string[]> {
  const bodies: string[] = [];
  let from: string | undefined;
  for (;;) {
    const page = await api.messages(roomId, { dir: 'b', limit: 100, ...(from ? { from } : {}) });
    for (const event of page.chunk) if (event.type === 'm.room.message') bodies.push(String(event.content.body));
    if (page.chunk.length === 0 || !page.end) break;
    from = page.end;
  }
  return bodies.reverse();
}

function pendingFor(server: RelayedHomeserver, destination: string): number {
  return server.homeserver.federation!.sender.queueStatus().find((q) => q.destination === destination)?.pending ?? 0;
}

test('servers behind a relay: invite, join and chat through the tunnel; 200 messages wait for an offline server across a relay restart and arrive once, in order', { timeout: 240_000 }, async (t) => {
  const clients = sdkClientPool(t);
  const relay = await RunningRelay.start(t, { tenants: ['a.test', 'b.test'] });
  const a = await RelayedHomeserver.start(t, 'a.test', relay, { peers: ['b.test'] });
  const b = await RelayedHomeserver.start(t, 'b.test', relay, { peers: ['a.test'] });
  assert.equal(a.homeserver.federationListenerAddress, null, 'A has no federation listener: only its tunnel reaches it');
  assert.equal(b.homeserver.federationListenerAddress, null);
  await eventually('both tunnels to open', () => relay.service.tunnels.connectedTenants().length === 2);
  const status = a.homeserver.relayClient!.relayStatus();
  assert.equal(status.connection, 'connected');
  assert.equal(status.server_name, 'relay.test');

  const alice = await createLoggedInUser(a, 'alice');
  const bob = await createLoggedInUser(b, 'bob');
  const aliceClient = await clients.create(a, alice);
  const bobClient = await clients.create(b, bob);
  await startSyncing(aliceClient);
  await startSyncing(bobClient);

  const { room_id: roomId } = await aliceClient.createRoom({ preset: 'private_chat' as never, name: 'Relayed', invite: [bob.userId] });
  await eventually('bob’s client sees the invite', () => bobClient.getRoom(roomId)?.getMyMembership() === 'invite');
  await bobClient.joinRoom(roomId);
  await eventually('alice’s client sees bob join', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.membership === 'join');
  assert.equal(bobClient.getRoom(roomId)?.name, 'Relayed', 'bob’s client has the room’s state');
  const { event_id: hello } = await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'hello B' });
  assert.equal(await eventually('bob’s client gets alice’s message', () => bodyOf(bobClient, roomId, hello)), 'hello B');
  const { event_id: reply } = await bobClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'hello A' });
  assert.equal(await eventually('alice’s client gets bob’s message', () => bodyOf(aliceClient, roomId, reply)), 'hello A');

  // B goes offline (its data directory stays); A keeps talking, and the relay restarts halfway.
  bobClient.stopClient();
  await b.stop();
  await eventually('the relay to see B’s tunnel close', () => !relay.service.tunnels.isConnected('b.test'));
  for (let i = 0; i < 100; i++) await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: `offline ${i}` });
  await eventually('A to hand the first 100 to the relay', () => pendingFor(a, 'b.test') === 0, 60_000);
  await relay.restart();
  for (let i = 100; i < 200; i++) await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: `offline ${i}` });
  await eventually('A to hand the other 100 to the restarted relay', () => pendingFor(a, 'b.test') === 0, 60_000);
  const waiting = relay.service.mailboxStore.totals('b.test');
  assert.ok(waiting.entries > 0, 'transactions wait in B’s mailbox');

  // A is not B: it may neither read nor acknowledge B's mailbox, and trying changes nothing.
  const oldest = relay.service.mailboxStore.oldest('b.test')!;
  for (const [method, entryId] of [['GET', 0], ['GET', oldest.entryId], ['POST', oldest.entryId]] as const) {
    const refused = await a.homeserver.federation!.client
      .request('relay.test', { method, path: `/_matrix/federation/v1/relay_txn/${encodeURIComponent(mailboxUserId('b.test'))}`, body: { entry_id: entryId } })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(refused instanceof FederationRequestError, `${method} relay_txn by A must fail`);
    assert.equal(refused.status, 403);
    assert.equal(refused.errcode, 'M_FORBIDDEN');
  }
  assert.deepEqual(relay.service.mailboxStore.totals('b.test'), waiting, 'nothing was acknowledged');
  assert.equal(relay.service.mailboxStore.oldest('b.test')!.entryId, oldest.entryId);

  // B comes back on the same data directory and collects its mail.
  await b.restart();
  await eventually('B to empty its mailbox', () => relay.service.mailboxStore.totals('b.test').entries === 0, 60_000);
  const bobApi = new ClientApi(b.baseUrl, bob);
  const offline = (await timelineBodies(bobApi, roomId)).filter((body) => body.startsWith('offline '));
  assert.deepEqual(
    offline,
    Array.from({ length: 200 }, (_, i) => `offline ${i}`),
    'B’s timeline has the 200 messages, in order, each once',
  );
  const bobAgain = await clients.create(b, bob);
  await startSyncing(bobAgain);
  await eventually('bob’s new client sees the last message', () => bobAgain.getRoom(roomId)?.timeline.some((e) => e.getContent().body === 'offline 199'));
  assert.equal(b.homeserver.relayClient!.relayStatus().connection, 'connected');
  await eventually('B to hear its mailbox is empty', () => b.homeserver.relayClient!.relayStatus().mailbox_pending === 0);
  assert.notEqual(b.homeserver.relayClient!.relayStatus().last_pull_ts, null);
});
