/**
 * Send throughput: messages per second through `PUT /rooms/{roomId}/send` with 20 concurrent clients, against the
 * same koa stack answering a trivial authenticated route (`GET /account/whoami`) with the same concurrency.
 * Target: at least 15% of the trivial route's rate. Real server on loopback, real SQLite, real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { defaultMinMilliseconds, measureInterleaved, ratio, type Benchmark } from './harness.ts';
import { buildConfig } from '../core/config/configLoader.ts';
import { Homeserver } from '../core/homeserver.ts';
import { Logger } from '../core/logging/logger.ts';
import { registerLocalUser } from '../core/handlers/accounts/localUserRegistration.ts';

const CLIENTS = 20;
/** V8's background compilers kept optimising the send path for about 3 s of sending (per-thread CPU, measured). */
const JIT_WARMUP_MS = 3_000;
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });

function call(port: number, method: string, path: string, token: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, agent, headers: { Authorization: `Bearer ${token}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const benchmark: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-send-'));
  const config = buildConfig({ server_name: 'bench.test', log_level: 'error' }, { data_dir: dir, host: '127.0.0.1', port: 0 });
  const hs = Homeserver.open({ config, log: new Logger('error'), passwordCost: { log2N: 10, r: 8, p: 1 } });
  const { port } = await hs.listen();
  try {
    const clients: { token: string; roomId: string }[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const userId = await registerLocalUser({ serverName: 'bench.test', users: hs.storage.stores.users, passwordCost: { log2N: 10, r: 8, p: 1 } }, { localpart: `u${i}`, password: 'pw' });
      const session = hs.handlers.tokens.createSession(userId, null, null);
      const requester = await hs.handlers.tokens.authenticate(session.accessToken);
      const { room_id } = await hs.handlers.roomCreation.createRoom(requester, { preset: 'private_chat' });
      clients.push({ token: session.accessToken, roomId: room_id });
    }
    let txn = 0;
    const send = () =>
      Promise.all(
        clients.map(async (c) => {
          const status = await call(port, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(c.roomId)}/send/m.room.message/b${++txn}`, c.token, {
            msgtype: 'm.text',
            body: 'Benchmark message with a realistic length, about the size of a short chat line.',
          });
          if (status !== 200) throw new Error(`send failed with ${status}`);
        }),
      );
    const whoami = () => Promise.all(clients.map((c) => call(port, 'GET', '/_matrix/client/v3/account/whoami', c.token)));
    const minMs = defaultMinMilliseconds();
    // Interleaved: on a shared machine whose speed drifts, measuring one after the other skews the ratio either way.
    const [sends, trivial] = await measureInterleaved(
      { name: `PUT /send, ${CLIENTS} concurrent clients (own rooms)`, fn: send },
      { name: `GET /account/whoami, ${CLIENTS} concurrent clients`, fn: whoami },
      // Both warm up first: the send path's code is still being optimised for about 3 s (measured), however long
      // the measurement itself is meant to run.
      { operationsPerCall: CLIENTS, warmupCalls: 3, warmupMilliseconds: JIT_WARMUP_MS, minMilliseconds: 3 * minMs },
    );
    return [ratio('Send throughput vs a trivial authenticated route', sends, trivial, 0.15)];
  } finally {
    await hs.stop();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default benchmark;
