/**
 * What the relay refuses, and how it says so (status + errcode + error):
 * - its limits: a full mailbox is 507 M_RESOURCE_LIMIT_EXCEEDED (a 5xx: senders keep the transaction and retry),
 *   an origin over its deposit rate is 429 M_LIMIT_EXCEEDED with retry_after_ms, an oversized transaction is
 *   400 M_BAD_JSON; everything accepted below the limits reaches the tenant;
 * - names it does not serve: deposits for them, signed requests addressed to them, tunnels for them;
 * - a tunnel with the wrong secret;
 * - for an offline tenant: requests that need it live are 503 M_UNAVAILABLE, while its key document is served
 *   from the relay's copy and `.well-known/matrix/server` points at the relay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { eventually } from '../../support/federatedServers.ts';
import { RelayedHomeserver, RunningRelay, tenantSecret } from '../../support/relayedServers.ts';
import { FederationRequestError } from '../../../core/federation/federationHttpClient.ts';
import type { FederationHttpClient, FederationRequest } from '../../../core/federation/federationHttpClient.ts';
import { mailboxUserId } from '../../../core/relay/relayFallbackSender.ts';
import { RelayTunnelClient } from '../../../core/relay/tunnelClient.ts';
import { Logger } from '../../../core/logging/logger.ts';
import { checkJsonSignature } from '../../../core/crypto/jsonSigning.ts';
import { decodeBase64 } from '../../../core/crypto/base64.ts';
import { publicKeyObject } from '../../../core/crypto/ed25519.ts';

interface Refusal {
  readonly status: number;
  readonly errcode: string | null;
  readonly body: Record<string, unknown>;
}

/** The Matrix error a signed request gets (the test fails if it succeeds). */
async function refusal(client: FederationHttpClient, destination: string, req: FederationRequest): Promise<Refusal> {
  try {
    await client.request(destination, req);
  } catch (e) {
    if (!(e instanceof FederationRequestError)) throw e;
    const body = (e.body ?? {}) as Record<string, unknown>;
    assert.equal(typeof body.error, 'string', `a Matrix error has an error message: ${JSON.stringify(body)}`);
    return { status: e.status, errcode: e.errcode, body };
  }
  assert.fail(`${req.method} ${req.path} to ${destination} succeeded`);
}

function deposit(txnId: string, target = 'b.test', pdus: unknown[] = []): FederationRequest {
  return {
    method: 'PUT',
    path: `/_matrix/federation/v1/send_relay/${txnId}/${encodeURIComponent(mailboxUserId(target))}`,
    body: { origin: 'a.test', origin_server_ts: Date.now(), pdus: pdus as never[], edus: [] },
  };
}

/** An unsigned GET at the relay with the given Host header (fetch cannot set Host). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('mailbox and rate limits give clear errors, and nothing accepted below them is lost', { timeout: 60_000 }, async (t) => {
  const relay = await RunningRelay.start(t, {
    tenants: ['a.test', 'b.test'],
    limits: { mailbox_max_entries: 3, origin_deposit_burst: 6, origin_deposits_per_second: 1 },
  });
  const a = await RelayedHomeserver.start(t, 'a.test', relay);
  await eventually(() => relay.service.tunnels.isConnected('a.test'), 'A’s tunnel');
  const client = a.homeserver.federation!.client;

  for (const txnId of ['t1', 't2', 't3', 't1']) assert.deepEqual(await client.request('relay.test', deposit(txnId)), {}, `deposit ${txnId}`);
  assert.equal(relay.service.mailboxStore.totals('b.test').entries, 3, 'a repeated transaction is stored once');

  const full = await refusal(client, 'relay.test', deposit('t4'));
  assert.equal(full.status, 507);
  assert.equal(full.errcode, 'M_RESOURCE_LIMIT_EXCEEDED');
  assert.match(String(full.body.error), /mailbox of b\.test at relay\.test is full \(3 of 3 transactions/);
  assert.equal(typeof full.body.retry_after_ms, 'number');
  assert.equal(new FederationRequestError('relay.test', 507, 'full').retryable, true, 'a sender keeps and retries a transaction refused for a full mailbox');

  const tooMany = await refusal(client, 'relay.test', deposit('t5'));
  assert.equal(tooMany.status, 507, 'the sixth deposit of the burst still reaches the mailbox check');
  const limited = await refusal(client, 'relay.test', deposit('t6'));
  assert.equal(limited.status, 429);
  assert.equal(limited.errcode, 'M_LIMIT_EXCEEDED');
  assert.ok(typeof limited.body.retry_after_ms === 'number' && limited.body.retry_after_ms > 0);

  const oversized = await refusal(client, 'relay.test', deposit('t7', 'b.test', Array.from({ length: 51 }, () => ({}))));
  assert.equal(oversized.status, 400);
  assert.equal(oversized.errcode, 'M_BAD_JSON');
  assert.equal(relay.service.mailboxStore.totals('b.test').entries, 3, 'refused deposits left nothing behind');

  // B comes online and collects everything that was accepted, in order.
  const b = await RelayedHomeserver.start(t, 'b.test', relay, { peers: ['a.test'] });
  await eventually(() => relay.service.mailboxStore.totals('b.test').entries === 0, 'B to collect its mail');
  const received = b.homeserver.storage.stores.db.prepare("SELECT transaction_id FROM received_transactions WHERE origin = 'a.test' ORDER BY transaction_id").pluck().all();
  assert.deepEqual(received, ['t1', 't2', 't3']);
});

test('the relay serves only its tenants, only with their secrets, and stands in for an offline tenant only where it safely can', { timeout: 60_000 }, async (t) => {
  const relay = await RunningRelay.start(t, { tenants: ['a.test', 'b.test'] });
  const a = await RelayedHomeserver.start(t, 'a.test', relay, { peers: ['b.test', 'c.test'] });
  const b = await RelayedHomeserver.start(t, 'b.test', relay);
  await eventually(() => relay.service.tunnels.connectedTenants().length === 2, 'both tunnels');
  const client = a.homeserver.federation!.client;
  const quiet = new Logger('error');

  // Names that are not tenants.
  const notTenant = await refusal(client, 'relay.test', deposit('x1', 'c.test'));
  assert.equal(notTenant.status, 403);
  assert.equal(notTenant.errcode, 'M_FORBIDDEN');
  assert.match(String(notTenant.body.error), /keeps no mailbox for c\.test/);
  const addressedElsewhere = await refusal(client, 'c.test', { method: 'GET', path: '/_matrix/federation/v1/query/profile', query: { user_id: '@carol:c.test' } });
  assert.equal(addressedElsewhere.status, 403);
  assert.match(String(addressedElsewhere.body.error), /does not serve c\.test/);
  const notOwner = await refusal(client, 'relay.test', { method: 'GET', path: `/_matrix/federation/v1/relay_txn/${encodeURIComponent('@user:c.test')}`, body: { entry_id: 0 } });
  assert.equal(notOwner.status, 403);
  const badEntry = await refusal(client, 'relay.test', { method: 'GET', path: `/_matrix/federation/v1/relay_txn/${encodeURIComponent(mailboxUserId('a.test'))}`, body: { entry_id: 'one' } });
  assert.equal(badEntry.status, 400);
  assert.equal(badEntry.errcode, 'M_BAD_JSON');

  // Tunnels need a tenant's name and its secret.
  for (const [name, secret, expected] of [
    ['b.test', 'not the secret of b.test', /401 M_UNKNOWN_TOKEN: Wrong secret for b\.test/],
    ['c.test', tenantSecret('c.test'), /403 M_FORBIDDEN: This relay does not serve c\.test/],
  ] as const) {
    const tunnel = new RelayTunnelClient({ relayUrl: relay.url, serverName: name, secret, handler: async () => assert.fail('no request may come'), verifyCertificates: true, log: quiet });
    tunnel.start();
    await eventually(() => tunnel.status.lastError?.match(expected), `the relay to refuse the tunnel of ${name}`);
    await tunnel.stop();
  }
  assert.ok(relay.service.tunnels.isConnected('b.test'), 'a refused tunnel does not displace the tenant’s own');

  // B goes offline: its signed key document is still served, anything needing B live is 503.
  const liveKeys = await getWithHost(relay.port, '/_matrix/key/v2/server', 'b.test');
  await b.stop();
  await eventually(() => !relay.service.tunnels.isConnected('b.test'), 'B’s tunnel to close');
  const cachedKeys = await getWithHost(relay.port, '/_matrix/key/v2/server', 'b.test');
  assert.equal(cachedKeys.status, 200);
  assert.deepEqual(cachedKeys.body, liveKeys.body, 'the copy is B’s own document');
  const keyId = Object.keys(cachedKeys.body.verify_keys as object)[0]!;
  const publicKey = publicKeyObject(decodeBase64((cachedKeys.body.verify_keys as Record<string, { key: string }>)[keyId]!.key));
  assert.ok(checkJsonSignature(cachedKeys.body as never, 'b.test', keyId, publicKey).ok, 'signed by B');
  assert.deepEqual((await getWithHost(relay.port, '/.well-known/matrix/server', 'b.test')).body, { 'm.server': 'relay.test' });
  const offline = await refusal(client, 'b.test', { method: 'GET', path: '/_matrix/federation/v1/query/profile', query: { user_id: '@bob:b.test' } });
  assert.equal(offline.status, 503);
  assert.equal(offline.errcode, 'M_UNAVAILABLE');
  assert.match(String(offline.body.error), /b\.test is offline/);
  assert.equal(typeof offline.body.retry_after_ms, 'number');
  // A transaction for B is stored (200 once stored), checked against A's signature first.
  assert.deepEqual(await client.request('b.test', { method: 'PUT', path: '/_matrix/federation/v1/send/offline1', body: { origin: 'a.test', origin_server_ts: Date.now(), pdus: [], edus: [] } }), { pdus: {} });
  assert.equal(relay.service.mailboxStore.totals('b.test').entries, 1);
  const stored = relay.service.mailboxStore.oldest('b.test')!;
  assert.equal(stored.authorization?.destination, 'b.test');
  assert.equal(stored.authorization?.uri, '/_matrix/federation/v1/send/offline1');
});
