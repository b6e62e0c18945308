/**
 * Issue 7, item 4: besides at start and on each tunnel (re)connection, a tenant collects its mail every
 * `pollIntervalMs`, so mail that arrived without a notice through the tunnel is not left waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../../support/federatedServers.ts';
import { RelayedHomeserver, RunningRelay } from '../../support/relayedServers.ts';

test('a tenant collects mail that arrived without a notice on its next periodic poll', { timeout: 60_000 }, async (t) => {
  const relay = await RunningRelay.start(t, { tenants: ['b.test'] });
  const b = await RelayedHomeserver.start(t, 'b.test', relay, { tuning: { pollIntervalMs: 300 } });
  await eventually(() => relay.service.tunnels.isConnected('b.test'), 'B’s tunnel');
  const puller = b.homeserver.relayClient!.mailbox;
  await eventually(() => puller.status.lastPullTs !== null, 'the pull at start');
  const before = puller.status.received;

  // Straight into the store: the relay's routes would also have sent a notice through the tunnel.
  const stored = relay.service.mailboxStore.deposit({
    tenant: 'b.test',
    origin: 'c.test',
    txnId: 'quiet-1',
    content: { origin: 'c.test', origin_server_ts: Date.now(), pdus: [], edus: [] },
    authorization: null,
  });
  assert.equal(stored.kind, 'stored');
  await eventually(() => relay.service.mailboxStore.totals('b.test').entries === 0, 'the periodic poll to empty the mailbox');
  assert.equal(puller.status.received, before + 1, 'handed to B once');
  // The relay empties the mailbox as it takes the acknowledgement; B learns so from the answer, a moment later.
  await eventually(() => b.homeserver.relayClient!.relayStatus().mailbox_pending === 0, 'B to hear its mailbox is empty');
  assert.equal(relay.service.tunnels.isConnected('b.test'), true, 'no reconnection was involved');
});
