/**
 * The tenant's tunnel against a real relay on loopback, with time in the test's hands (a manual scheduler):
 * requests forwarded by the relay reach the tenant's handler and its answers come back; when the relay goes
 * away the client retries after 100, 200, 400, 400 ms (capped), reconnects when the relay is back (calling
 * onConnected, which pulls the mailbox), and starts the backoff over; a relay that stops pinging is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../../support/federatedServers.ts';
import { RunningRelay, tenantSecret } from '../../support/relayedServers.ts';
import { RelayTunnelClient, type Scheduler } from '../../../core/relay/tunnelClient.ts';
import { TunnelUnavailableError } from '../../../core/relay/tenantTunnels.ts';
import { Logger } from '../../../core/logging/logger.ts';

const SILENCE_MS = 60_000;

class ManualScheduler implements Scheduler {
  private readonly timers = new Map<number, { callback: () => void; ms: number }>();
  private nextId = 1;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { callback, ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** The delays of the pending timers other than the silence watchdog. */
  retryDelays(): number[] {
    return [...this.timers.values()].filter((timer) => timer.ms !== SILENCE_MS).map((timer) => timer.ms);
  }

  /** Runs the one pending timer of `ms`. */
  fire(ms: number): void {
    const entry = [...this.timers.entries()].find(([, timer]) => timer.ms === ms);
    assert.ok(entry, `a timer of ${ms} ms is pending (pending: ${[...this.timers.values()].map((timer) => timer.ms).join(', ')})`);
    this.timers.delete(entry[0]);
    entry[1].callback();
  }
}

test('the tunnel forwards requests, reconnects with exponential backoff and resets it after a connection', { timeout: 60_000 }, async (t) => {
  const relay = await RunningRelay.start(t, { tenants: ['t.test'] });
  const scheduler = new ManualScheduler();
  let connections = 0;
  const tunnel = new RelayTunnelClient({
    relayUrl: relay.url,
    serverName: 't.test',
    secret: tenantSecret('t.test'),
    handler: async (request) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ echo: request.path, body: request.body.toString() })) }),
    verifyCertificates: true,
    log: new Logger('error'),
    backoff: { initialMs: 100, maxMs: 400, random: () => 0.5 },
    scheduler,
    silenceTimeoutMs: SILENCE_MS,
    onConnected: () => connections++,
  });
  t.after(() => tunnel.stop());
  tunnel.start();
  await eventually(() => tunnel.status.state === 'connected', 'the tunnel to open');
  assert.equal(connections, 1);

  const answer = await relay.service.tunnels.forward('t.test', { method: 'PUT', path: '/_matrix/federation/v1/send/x?y=1', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') });
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.body.toString()), { echo: '/_matrix/federation/v1/send/x?y=1', body: '{"a":1}' });

  // The relay goes away: retries at 100, 200, 400 and 400 ms.
  await relay.stop();
  await eventually(() => scheduler.retryDelays().length === 1, 'a retry to be scheduled');
  assert.deepEqual(scheduler.retryDelays(), [100]);
  assert.equal(tunnel.status.state, 'disconnected');
  assert.match(tunnel.status.lastError ?? '', /tunnel closed \(1001/);
  for (const [delay, next] of [
    [100, 200],
    [200, 400],
    [400, 400],
  ] as const) {
    scheduler.fire(delay);
    await eventually(() => scheduler.retryDelays().length === 1, `the attempt after ${delay} ms to fail`);
    assert.deepEqual(scheduler.retryDelays(), [next]);
    assert.match(tunnel.status.lastError ?? '', /ECONNREFUSED/);
  }

  // Back again: connected, onConnected called (the mailbox is pulled), and the backoff starts over.
  await relay.restart();
  scheduler.fire(400);
  await eventually(() => tunnel.status.state === 'connected', 'the tunnel to reopen');
  assert.equal(connections, 2);
  assert.equal(tunnel.status.lastError, null);
  await relay.restart();
  await eventually(() => scheduler.retryDelays().length === 1, 'a retry after the relay restarted');
  assert.deepEqual(scheduler.retryDelays(), [100], 'the backoff was reset by the successful connection');
  scheduler.fire(100);
  await eventually(() => tunnel.status.state === 'connected', 'the tunnel to reopen');
  assert.equal(connections, 3);

  // A relay that stops pinging is taken for gone.
  scheduler.fire(SILENCE_MS);
  await eventually(() => scheduler.retryDelays().length === 1, 'a retry after the silence');
  assert.deepEqual(scheduler.retryDelays(), [100]);
  await eventually(() => !relay.service.tunnels.isConnected('t.test'), 'the relay to see the tunnel close');
  await assert.rejects(relay.service.tunnels.forward('t.test', { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) }), TunnelUnavailableError);
});
