/**
 * /sync benchmarks on a real server over loopback:
 * - wake-up latency: from a `PUT /send` returning to the other client's pending /sync returning, median of many
 *   rounds, against the median round trip of a trivial request in the same run (target: under 5 ms);
 * - initial sync of an account in 200 rooms with 50 events each, filtered to 10 timeline events per room,
 *   against the raw SQL that reads the same rows (target: under 300 ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Benchmark, Measurement, RatioReport } from './harness.ts';
import { buildConfig } from '../core/config/configLoader.ts';
import { Homeserver } from '../core/homeserver.ts';
import { Logger } from '../core/logging/logger.ts';
import { registerLocalUser } from '../core/handlers/accounts/localUserRegistration.ts';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const ROOMS = Number(process.env.BENCH_ROOMS ?? 200);
const EVENTS_PER_ROOM = 50;

function call(port: number, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, agent, headers: { Authorization: `Bearer ${token}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A latency as a Measurement, so that ratios compare rates (1 / latency). */
function latency(name: string, ms: number): Measurement {
  return { name: `${name}: median ${ms.toFixed(2)} ms`, operations: 1, seconds: ms / 1000, opsPerSecond: 1000 / ms };
}

const benchmark: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
  const config = buildConfig({ server_name: 'bench.test', log_level: 'error' }, { data_dir: dir, host: '127.0.0.1', port: 0 });
  const hs = Homeserver.open({ config, log: new Logger('error'), passwordCost: { log2N: 10, r: 8, p: 1 } });
  const { port } = await hs.listen();
  const reports: RatioReport[] = [];
  try {
    const session = async (name: string) => {
      const userId = await registerLocalUser({ serverName: 'bench.test', users: hs.storage.stores.users, passwordCost: { log2N: 10, r: 8, p: 1 } }, { localpart: name, password: 'pw' });
      const { accessToken } = hs.handlers.tokens.createSession(userId, null, null);
      return { userId, token: accessToken, requester: await hs.handlers.tokens.authenticate(accessToken) };
    };
    const alice = await session('alice');
    const bob = await session('bob');

    // Wake-up latency.
    const { room_id: roomId } = await hs.handlers.roomCreation.createRoom(alice.requester, { preset: 'public_chat' });
    await hs.handlers.memberships.join(bob.requester, roomId);
    let since = JSON.parse((await call(port, 'GET', '/_matrix/client/v3/sync?timeout=0', bob.token)).body).next_batch as string;
    const wakeups: number[] = [];
    const trivial: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const pending = call(port, 'GET', `/_matrix/client/v3/sync?timeout=30000&since=${encodeURIComponent(since)}`, bob.token).then((r) => ({ r, at: performance.now() }));
      await new Promise((r) => setTimeout(r, 2)); // let the long-poll register
      await call(port, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/w${i}`, alice.token, { msgtype: 'm.text', body: `ping ${i}` });
      const sentAt = performance.now();
      const { r, at } = await pending;
      wakeups.push(Math.max(0, at - sentAt));
      since = JSON.parse(r.body).next_batch;
      const t0 = performance.now();
      await call(port, 'GET', '/_matrix/client/versions', alice.token);
      trivial.push(performance.now() - t0);
    }
    const wake = median(wakeups);
    const baseline = median(trivial);
    reports.push({ title: `Wake-up latency (send returned -> other client's /sync returned), ${ROUNDS} rounds; target < 5 ms: ${wake < 5 ? 'met' : 'MISSED'}`, subject: latency('sync wake-up', wake), baseline: latency('trivial GET /versions round trip', baseline), ratio: baseline / wake });

    // Initial sync of an account in many rooms.
    const carol = await session('carol');
    for (let r = 0; r < ROOMS; r++) {
      const { room_id } = await hs.handlers.roomCreation.createRoom(carol.requester, { preset: 'private_chat', name: `Room ${r}` });
      for (let e = 0; e < EVENTS_PER_ROOM; e++) {
        await hs.handlers.roomEvents.sendMessage(carol.requester, room_id, 'm.room.message', { msgtype: 'm.text', body: `message ${e} in room ${r}` }, `r${r}e${e}`);
      }
    }
    const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 10 } } }));
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await call(port, 'GET', `/_matrix/client/v3/sync?filter=${filter}`, carol.token);
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`sync failed: ${res.status}`);
    }
    const db = hs.dataDirectory.db;
    const rooms = db.prepare("SELECT room_id FROM local_current_membership WHERE user_id = ? AND membership = 'join'").pluck().all(carol.userId) as string[];
    const lastEvents = db.prepare('SELECT j.json FROM events e JOIN event_json j ON j.stream_ordering = e.stream_ordering WHERE e.room_id = ? ORDER BY e.stream_ordering DESC LIMIT 10');
    const stateEvents = db.prepare('SELECT j.json FROM current_state_events c JOIN events e USING (event_id) JOIN event_json j ON j.stream_ordering = e.stream_ordering WHERE c.room_id = ?');
    const rawTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      for (const room of rooms) {
        for (const row of lastEvents.all(room) as { json: string }[]) JSON.parse(row.json);
        for (const row of stateEvents.all(room) as { json: string }[]) JSON.parse(row.json);
      }
      rawTimes.push(performance.now() - t0);
    }
    const initial = median(times);
    const raw = median(rawTimes);
    reports.push({
      title: `Initial sync, ${ROOMS} rooms x ${EVENTS_PER_ROOM} events, timeline limit 10; target < 300 ms: ${initial < 300 ? 'met' : 'MISSED'}`,
      subject: latency('initial /sync over HTTP', initial),
      baseline: latency('raw SQL reading the same timeline and state rows', raw),
      ratio: raw / initial,
    });
    return reports;
  } finally {
    await hs.stop();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default benchmark;
