/**
 * "Pause federation": saved to the config file so that it survives a restart, and while paused nothing at all
 * reaches another server (a real HTTP server stands in for remote.test and records every request it gets);
 * resuming sends what waited. The health data says paused, and whether the pause is saved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfigFile } from '../../../core/config/configLoader.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { eventually } from '../../support/federatedServers.ts';
import { admin, startAdminTestServer, type AdminTestServer } from './adminTestKit.ts';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly body: { edus?: { edu_type: string; content: { messages?: Record<string, unknown> } }[] };
}

/** remote.test: answers transactions with 200 and records every request. */
async function startRemote(t: import('node:test').TestContext): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, body: text ? JSON.parse(text) : {} });
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ pdus: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function pendingFor(server: AdminTestServer, destination: string): Promise<number> {
  return admin(server, 'GET /overview').then((o) => o.federation.destinations.find((d) => d.destination === destination)?.pending ?? 0);
}

test('a paused server sends nothing, stays paused after a restart, and sends what waited once resumed', async (t) => {
  const remote = await startRemote(t);
  let server = await startAdminTestServer(t, { rendererDirectory: null }, `federation:\n  allow_insecure_http: true\n  resolve: { remote.test: "${remote.url}" }\n`);
  const alice = new ClientApi(server.baseUrl, await createLoggedInUser(server, 'alice'));

  const paused = await admin(server, 'PUT /federation/paused', { body: { paused: true } });
  assert.equal(paused.paused, true);
  assert.equal(paused.pause_saved, true);
  assert.equal(loadConfigFile(server.configFile).federation.paused, true, 'saved in the config file');
  assert.match(readFileSync(server.configFile, 'utf8'), /^# test config/, 'the rest of the file is kept');

  // A to-device message for someone on remote.test: queued, not sent.
  await alice.ok('PUT', '/_matrix/client/v3/sendToDevice/m.test.paused/p1', { messages: { '@zoe:remote.test': { ZOEPHONE: { note: 'held' } } } });
  await eventually(async () => (await pendingFor(server, 'remote.test')) === 1, 'the EDU to wait in the queue');
  assert.deepEqual(remote.received, [], 'nothing reached remote.test');

  // After a restart: still paused, from the first moment (the queue is not flushed on start).
  server = await server.restart();
  const overview = await admin(server, 'GET /overview');
  assert.equal(overview.federation.paused, true);
  assert.equal(server.homeserver.federation!.sender.isPaused, true);
  assert.equal(await pendingFor(server, 'remote.test'), 1);
  assert.deepEqual(remote.received, [], 'nothing reached remote.test at start');

  // Resumed: what waited is sent, and the choice is saved too.
  const resumed = await admin(server, 'PUT /federation/paused', { body: { paused: false } });
  assert.equal(resumed.paused, false);
  assert.equal(loadConfigFile(server.configFile).federation.paused, false);
  const sent = await eventually(() => remote.received.find((r) => r.method === 'PUT' && r.url.startsWith('/_matrix/federation/v1/send/')), 'the transaction to reach remote.test');
  assert.deepEqual(
    sent.body.edus?.map((e) => [e.edu_type, Object.keys(e.content.messages ?? {})]),
    [['m.direct_to_device', ['@zoe:remote.test']]],
  );
  await eventually(async () => (await pendingFor(server, 'remote.test')) === 0, 'the queue to empty');
});

test('without a config file a pause applies but cannot be saved, and says so', async (t) => {
  const hs = await startTestHomeserver(t);
  const status = hs.homeserver.admin.setFederationPaused(true);
  assert.deepEqual([status.paused, status.pause_saved], [true, false]);
  assert.equal(hs.homeserver.federation!.sender.isPaused, true);
});
