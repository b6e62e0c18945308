/**
 * Idle keep-alive connections: clients are told 5 s, the server keeps them far longer, so that a connection that
 * has just answered is not closed under the client's next request when the process stalled in between (the
 * ECONNRESET seen in tests under load; see core/http/keepAliveGrace.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADVERTISED_KEEP_ALIVE_SECONDS, applyKeepAliveGrace, SERVER_KEEP_ALIVE_MS } from '../../../core/http/keepAliveGrace.ts';
import { startTestHomeserver } from '../../support/testHomeserver.ts';

test('the client listener advertises a short keep-alive and keeps idle connections much longer', async (t) => {
  const hs = await startTestHomeserver(t);
  const response = await fetch(`${hs.baseUrl}/_matrix/client/versions`);
  await response.text();
  assert.equal(response.headers.get('connection'), 'keep-alive');
  assert.equal(response.headers.get('keep-alive'), `timeout=${ADVERTISED_KEEP_ALIVE_SECONDS}`, 'one value: Node adds none of its own');
  assert.ok(SERVER_KEEP_ALIVE_MS >= 12 * ADVERTISED_KEEP_ALIVE_SECONDS * 1000);
});

test('a connection survives a stalled event loop between two requests on it', async (t) => {
  // After the first answer, the process is busy (in tests, the client shares it) for longer than the advertised
  // keep-alive, so the client reads that answer and sends its next request only after the idle time is up.
  // Node closes an idle connection 1 s after the keep-alive it advertises; stall past that.
  const stallMs = (ADVERTISED_KEEP_ALIVE_SECONDS + 1) * 1000 + 500;
  let first = true;
  const server = createServer((_req, res) => {
    res.end('ok');
    if (first) {
      first = false;
      // Blocks the thread as a long synchronous stretch on a loaded machine does (without using the CPU).
      setImmediate(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallMs));
    }
  });
  applyKeepAliveGrace(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const port = (server.address() as AddressInfo).port;
  const get = () =>
    new Promise<{ body: string; socket: unknown }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, agent, path: '/' }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ body, socket: req.socket }));
      });
      req.on('error', reject);
      req.end();
    });
  const a = await get();
  const b = await get();
  assert.deepEqual([a.body, b.body], ['ok', 'ok']);
  assert.equal(a.socket, b.socket, 'the same connection served both');
});
