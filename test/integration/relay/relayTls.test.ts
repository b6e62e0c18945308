/**
 * A relay serving TLS (a self-signed loopback certificate): tenants open their tunnels over wss and collect
 * their mail over https; a tenant that verifies certificates refuses this one and says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { eventually } from '../../support/federatedServers.ts';
import { RelayedHomeserver, RunningRelay } from '../../support/relayedServers.ts';

test('tunnels and mailboxes over TLS', { timeout: 60_000 }, async (t) => {
  const relay = await RunningRelay.start(t, { tenants: ['a.test', 'b.test', 'c.test'], tls: true });
  assert.match(relay.url, /^https:/);
  const selfSigned = { verify_certificates: false };
  const a = await RelayedHomeserver.start(t, 'a.test', relay, { peers: ['b.test'], federation: selfSigned });
  const b = await RelayedHomeserver.start(t, 'b.test', relay, { peers: ['a.test'], federation: selfSigned });
  const c = await RelayedHomeserver.start(t, 'c.test', relay);
  await eventually(() => relay.service.tunnels.connectedTenants().length === 2, 'A’s and B’s tunnels');
  await eventually(() => c.homeserver.relayClient!.relayStatus().last_error?.match(/certificate/), 'C to refuse the self-signed certificate');
  assert.notEqual(c.homeserver.relayClient!.relayStatus().connection, 'connected');

  const alice = new ClientApi(a.baseUrl, await createLoggedInUser(a, 'alice'));
  const bob = new ClientApi(b.baseUrl, await createLoggedInUser(b, 'bob'));
  const roomId = await alice.createRoom({ preset: 'private_chat', invite: [bob.userId] });
  await bob.join(roomId);
  await b.stop();
  const message = await alice.text(roomId, 'waiting behind TLS');
  await eventually(() => relay.service.mailboxStore.totals('b.test').entries > 0, 'the message to wait in B’s mailbox');
  await b.restart();
  await eventually(async () => (await b.homeserver.storage.stores.events.getEvent(message)) !== null, 'B to collect it over https');
});
