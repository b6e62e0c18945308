/**
 * The admin API's guard: the per-launch token on every request (real HTTP), and 403 for peers that are not on
 * this machine. Test traffic stays on loopback, so the remote peer is simulated at the socket: a real koa
 * request through the server's own app whose socket reports a non-loopback address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createClientApp } from '../../../core/http/clientApp.ts';
import { extraLoopbackHost, isLoopbackAddress } from '../../../core/http/admin/loopbackAddress.ts';
import { adminTokenMatches, createAdminToken } from '../../../core/http/admin/adminToken.ts';
import { silentLogger } from '../../../core/logging/logger.ts';
import type { AdminEndpoint } from '../../../core/http/admin/adminApiTypes.ts';
import { admin, adminRaw, startAdminTestServer } from './adminTestKit.ts';

const GET_ENDPOINTS: AdminEndpoint[] = ['GET /overview', 'GET /rooms', 'GET /devices', 'GET /settings'];

test('every admin endpoint needs the per-launch token; errors are Matrix errors', async (t) => {
  const server = await startAdminTestServer(t);
  for (const endpoint of [...GET_ENDPOINTS, 'PUT /settings', 'PUT /federation/paused'] as AdminEndpoint[]) {
    const missing = await adminRaw(server, endpoint, { token: null, body: endpoint.startsWith('PUT') ? {} : undefined });
    assert.equal(missing.status, 401, `${endpoint} without a token`);
    assert.deepEqual(Object.keys(missing.body as object).sort(), ['errcode', 'error']);
    assert.equal((missing.body as { errcode: string }).errcode, 'M_MISSING_TOKEN');
    const wrong = await adminRaw(server, endpoint, { token: createAdminToken(), body: endpoint.startsWith('PUT') ? {} : undefined });
    assert.equal(wrong.status, 401, `${endpoint} with another token`);
    assert.equal((wrong.body as { errcode: string }).errcode, 'M_UNKNOWN_TOKEN');
  }
  for (const endpoint of GET_ENDPOINTS) {
    const ok = await adminRaw(server, endpoint);
    assert.equal(ok.status, 200, endpoint);
    // The client API's permissive CORS headers are not on admin responses.
    assert.equal(ok.headers.get('access-control-allow-origin'), null);
  }
  const live = await fetch(`${server.baseUrl}/_desktop/api/live`);
  assert.equal(live.status, 401);
  // A token in the URL is not accepted: only the Authorization header carries it.
  const inQuery = await fetch(`${server.baseUrl}/_desktop/api/overview?access_token=${server.token}`);
  assert.equal(inQuery.status, 401);
  // An unknown admin path is a Matrix 404, a known one with the wrong method 405.
  const unknown = await adminRaw(server, 'GET /overview', { path: '/nothing-here' });
  assert.equal(unknown.status, 404);
  assert.equal((unknown.body as { errcode: string }).errcode, 'M_UNRECOGNIZED');
  const wrongMethod = await fetch(`${server.baseUrl}/_desktop/api/overview`, { method: 'DELETE', headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(wrongMethod.status, 405);
  assert.equal(((await wrongMethod.json()) as { errcode: string }).errcode, 'M_UNRECOGNIZED');
});

test('each launch has its own 256-bit token', async (t) => {
  const a = await startAdminTestServer(t);
  const b = await startAdminTestServer(t);
  assert.notEqual(a.token, b.token);
  assert.equal(Buffer.from(a.token, 'base64url').length, 32);
  assert.equal((await adminRaw(a, 'GET /overview', { token: b.token })).status, 401);
  assert.ok(adminTokenMatches(a.token, a.token));
  assert.ok(!adminTokenMatches(a.token, `${a.token}x`));
});

/** Runs one request through the koa app with a socket that reports `remoteAddress`. */
async function requestFrom(app: ReturnType<typeof createClientApp>, remoteAddress: string, path: string, headers: Record<string, string>) {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: remoteAddress });
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = path;
  req.headers = { host: 'hearth.test', ...headers };
  req.push(null);
  const res = new ServerResponse(req);
  const chunks: Buffer[] = [];
  const finished = new Promise<void>((resolve) => {
    res.write = ((chunk: string | Buffer) => {
      chunks.push(Buffer.from(chunk));
      return true;
    }) as typeof res.write;
    res.end = ((chunk?: string | Buffer) => {
      if (chunk) chunks.push(Buffer.from(chunk));
      resolve();
      return res;
    }) as typeof res.end;
  });
  app.callback()(req, res);
  await finished;
  socket.destroy();
  return { status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { errcode: string; error: string } };
}

test('requests from other machines are refused with 403, whatever token they carry', async (t) => {
  const server = await startAdminTestServer(t);
  const app = createClientApp({ log: silentLogger, maxRequestBodyBytes: 1024 * 1024, routers: server.homeserver.admin.routers(1024 * 1024) });
  const auth = { authorization: `Bearer ${server.token}` };
  for (const address of ['192.0.2.10', '::ffff:198.51.100.7', '2001:db8::1', 'fe80::1']) {
    const res = await requestFrom(app, address, '/_desktop/api/overview', auth);
    assert.equal(res.status, 403, address);
    assert.equal(res.body.errcode, 'M_FORBIDDEN');
    // Without a token too: a remote peer learns nothing about the token.
    assert.equal((await requestFrom(app, address, '/_desktop/api/settings', {})).status, 403);
    assert.equal((await requestFrom(app, address, '/_desktop/index.html', {})).status, 403);
  }
  // The same app answers this machine.
  for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.8.9.10']) {
    assert.equal((await requestFrom(app, address, '/_desktop/api/overview', auth)).status, 200, address);
  }
});

test('what counts as this machine', () => {
  for (const address of ['127.0.0.1', '127.255.0.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) assert.ok(isLoopbackAddress(address), address);
  for (const address of ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', '::', '0.0.0.0', '128.0.0.1', 'fe80::1', '', undefined, null, '127.0.0.1.evil']) {
    assert.ok(!isLoopbackAddress(address), String(address));
  }
  // Client listeners this machine reaches over loopback need no second listener for the admin API.
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', '0.0.0.0', '::']) assert.equal(extraLoopbackHost(host), null, host);
  assert.equal(extraLoopbackHost('192.168.1.5'), '127.0.0.1');
  assert.equal(extraLoopbackHost('my-laptop.lan'), '127.0.0.1');
  assert.equal(extraLoopbackHost('fd00::2'), '::1');
});

/**
 * A non-loopback IPv4 address of this machine, only when HEARTH_TEST_LAN=1: test servers bind to 127.0.0.1
 * only, unless whoever runs the suite allows listening on the network for these tests.
 */
function networkAddress(): string | null {
  if (process.env.HEARTH_TEST_LAN !== '1') return null;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

test('bound to one network address, the server also listens on loopback so that the admin API and UI stay reachable', async (t) => {
  const ip = networkAddress();
  if (!ip) {
    t.skip('set HEARTH_TEST_LAN=1 (and have a non-loopback IPv4 address) to listen on the network in this test');
    return;
  }
  const server = await startAdminTestServer(t, { rendererDirectory: null }, `client_listener: { host: ${ip}, port: 0 }\n`);
  assert.equal(server.baseUrl.startsWith(`http://${ip}:`), true);
  const port = Number(new URL(server.baseUrl).port);
  // The network address serves Matrix clients, but refuses the admin API: its peers are never loopback.
  assert.equal((await fetch(`${server.baseUrl}/_matrix/client/versions`)).status, 200);
  const remote = await adminRaw(server, 'GET /overview');
  assert.equal(remote.status, 403);
  assert.equal((remote.body as { errcode: string }).errcode, 'M_FORBIDDEN');
  // On loopback, the same port: the admin API answers with the token, and only with it.
  const ui = server.homeserver.adminListenerAddress!;
  assert.deepEqual([ui.address, ui.port], ['127.0.0.1', port]);
  const local = { ...server, baseUrl: `http://127.0.0.1:${ui.port}` };
  assert.equal((await admin(local, 'GET /overview')).homeserver_url, server.baseUrl);
  assert.equal((await adminRaw(local, 'GET /overview', { token: null })).status, 401);

  // The port taken on loopback by another program: the UI's listener takes another one.
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  t.after(() => squatter.close());
  const taken = (squatter.address() as AddressInfo).port;
  const other = await startAdminTestServer(t, { rendererDirectory: null }, `client_listener: { host: ${ip}, port: ${taken} }\n`);
  const otherUi = other.homeserver.adminListenerAddress!;
  assert.equal(otherUi.address, '127.0.0.1');
  assert.notEqual(otherUi.port, taken);
  assert.equal((await adminRaw({ ...other, baseUrl: `http://127.0.0.1:${otherUi.port}` }, 'GET /overview')).status, 200);

  // Stopping closes both listeners.
  await other.stop();
  await assert.rejects(fetch(`http://127.0.0.1:${otherUi.port}/_matrix/client/versions`));
  await assert.rejects(fetch(`${other.baseUrl}/_matrix/client/versions`));
});
