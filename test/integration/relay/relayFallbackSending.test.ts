/**
 * Sending through a destination's relay: C (an ordinary server with its own listener) knows from
 * `federation.peer_relays` that b.test uses relay.test. Once b.test cannot be reached directly, C's
 * transactions (a message and a to-device EDU) are deposited in B's mailbox with `send_relay`, the relay tells
 * B through its tunnel, and B collects them, its checks of C's signature passing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { eventually } from '../../support/federatedServers.ts';
import { RelayedHomeserver, RunningRelay } from '../../support/relayedServers.ts';

test('a server sends to an unreachable destination through the relay it names, EDUs included', { timeout: 60_000 }, async (t) => {
  const c = await startTestHomeserver(t, {
    server_name: 'c.test',
    federation: { listener: { host: '127.0.0.1', port: 0 }, allow_insecure_http: true, peer_relays: { 'b.test': 'relay.test' } },
  });
  const cUrl = `http://127.0.0.1:${c.homeserver.federationListenerAddress!.port}`;
  const relay = await RunningRelay.start(t, { tenants: ['b.test'], resolve: { 'c.test': cUrl } });
  const b = await RelayedHomeserver.start(t, 'b.test', relay, { federation: { resolve: { 'c.test': cUrl } } });
  const cResolver = c.homeserver.federation!.resolver;
  cResolver.setStatic('relay.test', relay.url);
  cResolver.setStatic('b.test', relay.url);
  await eventually(() => relay.service.tunnels.isConnected('b.test'), 'B’s tunnel');

  const carol = new ClientApi(c.baseUrl, await createLoggedInUser(c, 'carol'));
  const bobUser = await createLoggedInUser(b, 'bob');
  const bob = new ClientApi(b.baseUrl, bobUser);
  const roomId = await carol.createRoom({ preset: 'private_chat', invite: [bob.userId] });
  await bob.join(roomId);
  await eventually(async () => (await c.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.userId), 'C to see bob join');

  // b.test's address stops answering; the relay is still there.
  cResolver.setStatic('b.test', 'http://127.0.0.1:1');
  const collectedBefore = b.homeserver.relayClient!.mailbox.status.received;
  const message = await carol.text(roomId, 'through your relay');
  await carol.ok('PUT', '/_matrix/client/v3/sendToDevice/m.test.relayed/td1', { messages: { [bob.userId]: { [bobUser.deviceId]: { note: 'via send_relay' } } } });
  await eventually(async () => (await b.homeserver.storage.stores.events.getEvent(message)) !== null, 'B to get the message through its mailbox');
  const sync = await eventually(async () => {
    const body = await bob.ok<{ to_device?: { events: { type: string; content: { note?: string } }[] } }>('GET', '/_matrix/client/v3/sync?timeout=0');
    return (body.to_device?.events ?? []).length > 0 ? body : undefined;
  }, 'bob to get the to-device message');
  assert.deepEqual(
    sync.to_device!.events.map((e) => `${e.type} ${e.content.note}`),
    ['m.test.relayed via send_relay'],
    'the EDU was accepted: C’s signature over send_relay verified',
  );
  assert.ok(b.homeserver.relayClient!.mailbox.status.received > collectedBefore, 'they came from the mailbox');
  assert.equal(c.homeserver.federation!.sender.queueStatus().find((q) => q.destination === 'b.test')?.pending ?? 0, 0, 'nothing waits at C');
});
