/**
 * The relay, on loopback in this process (as test/support starts servers):
 *
 * 1. Messages per second from a user of A to a room shared with B, end to end (client API send on A until the
 *    event is stored on B), through the relay's live tunnels (A -> relay -> B's tunnel -> B) against direct
 *    federation between two servers with their own listeners. Same room set-up, same number of messages sent
 *    with the same concurrency, two alternating rounds each (the better one counts); the ratio is the tunnel's
 *    share of the direct rate.
 *
 *    The same for the transport alone: small signed transactions (one EDU, which B ignores) from A's federation
 *    client to b.test, 8 at a time, through the tunnels against direct.
 *
 * 2. Draining a mailbox of 10,000 transactions: B is online and has emptied its mailbox; 10,000 transactions
 *    signed by A (one EDU each, with A's X-Matrix signature material, as `send_relay` stores them) are put in B's
 *    mailbox, and B collects them all: one `relay_txn` round trip per transaction (acknowledging the previous
 *    one), A's signature checked and the transaction recorded by B's receiver. The baseline reads the same rows
 *    straight from the relay's SQLite file (one SELECT per entry and JSON parsing), which is the floor of any
 *    drain. The drain time itself is printed as context.
 */
import type { TestContext } from 'node:test';
import { measure, timeOnce, ratio, type Benchmark, type Measurement } from './harness.ts';
import { startFederatedServers } from '../test/support/federatedServers.ts';
import { RelayedHomeserver, RunningRelay } from '../test/support/relayedServers.ts';
import { createLoggedInUser, type LoggedInUser, type RunningHomeserver } from '../test/support/testHomeserver.ts';
import { parseXMatrixAuthorization, xMatrixAuthorization } from '../core/federation/xMatrixAuthorization.ts';
import { mailboxUserId } from '../core/relay/relayFallbackSender.ts';
import type { JsonObject } from '../core/crypto/canonicalJson.ts';

const MESSAGES = Number(process.env.BENCH_RELAY_MESSAGES ?? 300);
const CONCURRENCY = 8;
const DRAIN = Number(process.env.BENCH_RELAY_DRAIN ?? 10_000);

function benchContext(cleanups: (() => unknown)[]): TestContext {
  return { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
}

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function call(server: RunningHomeserver, user: LoggedInUser, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(server.baseUrl + path, { method, headers: { Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** A room of alice (A) that bob (B) joined; returns a sender of `n` messages that resolves once B stored them all. */
async function sharedRoom(a: RunningHomeserver, b: RunningHomeserver): Promise<(label: string, n: number) => Promise<void>> {
  const alice = await createLoggedInUser(a, 'alice');
  const bob = await createLoggedInUser(b, 'bob');
  const roomId = String((await call(a, alice, 'POST', '/_matrix/client/v3/createRoom', { preset: 'private_chat', invite: [bob.userId] })).room_id);
  await call(b, bob, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
  const db = b.homeserver.storage.stores.db;
  const atB = () => db.prepare("SELECT COUNT(*) FROM events WHERE room_id = ? AND type = 'm.room.message'").pluck().get(roomId) as number;
  const transactionsAtB = () => db.prepare("SELECT COUNT(*) FROM received_transactions WHERE origin = 'a.test'").pluck().get() as number;
  let txn = 0;
  return async (label, n) => {
    const target = atB() + n;
    const transactionsBefore = transactionsAtB();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) {
          const i = next++;
          await call(a, alice, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${label}-${++txn}`, { msgtype: 'm.text', body: `${label} message ${i}, about the length of a short chat line.` });
        }
      }),
    );
    await until(() => atB() >= target, `${label}: B to store ${n} messages`);
    if (label !== 'warmup') console.log(`  (${label}: ${n} messages reached B in ${transactionsAtB() - transactionsBefore} transactions)`);
  };
}

type RoomSender = (label: string, n: number) => Promise<void>;

/** The better of two rounds of each, alternating, so neither side is favoured by warm-up or by the machine's load. */
async function messagesPerSecond(direct: RoomSender, tunnelled: RoomSender): Promise<[Measurement, Measurement]> {
  await direct('warmup', 20);
  await tunnelled('warmup', 20);
  const best = (a: Measurement, b: Measurement) => (a.opsPerSecond >= b.opsPerSecond ? a : b);
  let directBest: Measurement | null = null;
  let tunnelledBest: Measurement | null = null;
  for (let round = 0; round < 2; round++) {
    const d = await timeOnce(`direct federation, ${MESSAGES} messages A -> B`, MESSAGES, () => direct(`direct${round}`, MESSAGES));
    const t = await timeOnce(`through the relay's tunnels, ${MESSAGES} messages A -> B`, MESSAGES, () => tunnelled(`tunnelled${round}`, MESSAGES));
    directBest = directBest ? best(directBest, d) : d;
    tunnelledBest = tunnelledBest ? best(tunnelledBest, t) : t;
  }
  return [tunnelledBest!, directBest!];
}

/** Small transactions from A's federation client to b.test (the transport alone: B ignores the EDU type). */
async function transactionsPerSecond(name: string, a: RunningHomeserver): Promise<Measurement> {
  const client = a.homeserver.federation!.client;
  let txn = 0;
  const send = () =>
    client.request('b.test', {
      method: 'PUT',
      path: `/_matrix/federation/v1/send/${name.startsWith('direct') ? 'd' : 't'}${++txn}`,
      body: { origin: 'a.test', origin_server_ts: Date.now(), pdus: [], edus: [{ edu_type: 'org.example.bench', content: { txn } }] },
    });
  return measure(name, () => Promise.all(Array.from({ length: CONCURRENCY }, send)), { operationsPerCall: CONCURRENCY, warmupCalls: 5 });
}

const benchmark: Benchmark = async () => {
  const cleanups: (() => unknown)[] = [];
  const context = benchContext(cleanups);
  try {
    // Direct federation: both servers listen and reach each other.
    const [directA, directB] = await startFederatedServers(context, ['a.test', 'b.test']);
    const directRoom = await sharedRoom(directA!, directB!);

    // Through the relay: neither listens; both reach only the relay.
    const relay = await RunningRelay.start(context, { tenants: ['a.test', 'b.test'], limits: { mailbox_max_entries: DRAIN * 2, origin_deposit_burst: DRAIN * 2 } });
    const a = await RelayedHomeserver.start(context, 'a.test', relay, { peers: ['b.test'] });
    const b = await RelayedHomeserver.start(context, 'b.test', relay, { peers: ['a.test'] });
    await until(() => relay.service.tunnels.connectedTenants().length === 2, 'both tunnels');
    const [tunnelled, direct] = await messagesPerSecond(directRoom, await sharedRoom(a, b));

    // Draining: fill B's mailbox behind B's back (as send_relay would), then let B collect it.
    await b.homeserver.relayClient!.mailbox.pull();
    const store = relay.service.mailboxStore;
    const key = a.homeserver.dataDirectory.signingKey;
    const firstEntry = Number(relay.service.dataDirectory.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'relay_mailbox'").pluck().get() ?? 0) + 1;
    for (let i = 0; i < DRAIN; i++) {
      const content: JsonObject = { origin: 'a.test', origin_server_ts: Date.now(), pdus: [], edus: [{ edu_type: 'org.example.bench', content: { i } }] };
      const uri = `/_matrix/federation/v1/send_relay/drain${i}/${encodeURIComponent(mailboxUserId('b.test'))}`;
      const { key: keyId, sig } = parseXMatrixAuthorization(xMatrixAuthorization({ method: 'PUT', uri, origin: 'a.test', destination: 'relay.test', content }, key));
      const outcome = store.deposit({ tenant: 'b.test', origin: 'a.test', txnId: `drain${i}`, content, authorization: { method: 'PUT', uri, origin: 'a.test', destination: 'relay.test', key: keyId, sig } });
      if (outcome.kind !== 'stored') throw new Error(`deposit ${i}: ${outcome.kind}`);
    }
    const relayDb = relay.service.dataDirectory.db;
    const rawReads = await timeOnce(`raw SQLite reads of the same ${DRAIN.toLocaleString('en')} rows`, DRAIN, () => {
      const read = relayDb.prepare('SELECT * FROM relay_mailbox WHERE entry_id = ?');
      for (let id = firstEntry; id < firstEntry + DRAIN; id++) {
        const row = read.get(id) as { content_json: string; authorization_json: string } | undefined;
        if (!row) throw new Error(`entry ${id} missing`);
        JSON.parse(row.content_json);
        JSON.parse(row.authorization_json);
      }
    });
    const received = b.homeserver.relayClient!.mailbox.status.received;
    const drain = await timeOnce(`draining a mailbox of ${DRAIN.toLocaleString('en')} transactions (relay_txn, signature checks, B's receiver)`, DRAIN, () => b.homeserver.relayClient!.mailbox.pull());
    if (store.totals('b.test').entries !== 0) throw new Error(`${JSON.stringify(b.homeserver.relayClient!.mailbox.status)}: the mailbox still holds ${store.totals('b.test').entries} transactions`);
    if (b.homeserver.relayClient!.mailbox.status.received - received !== DRAIN) throw new Error('not every transaction was handled');
    console.log(`  (drained ${DRAIN.toLocaleString('en')} transactions in ${drain.seconds.toFixed(2)} s; raw reads took ${(rawReads.seconds * 1000).toFixed(1)} ms)`);

    const [tunnelledTxns, directTxns] = [
      await transactionsPerSecond(`through the relay's tunnels: PUT /send (one EDU), ${CONCURRENCY} at a time`, a),
      await transactionsPerSecond(`direct federation: PUT /send (one EDU), ${CONCURRENCY} at a time`, directA!),
    ];

    return [
      ratio('Messages/s A -> B through the relay tunnel vs direct federation', tunnelled, direct),
      ratio('Federation transactions/s A -> B through the relay tunnel vs direct', tunnelledTxns, directTxns),
      ratio('Draining a relay mailbox vs reading its rows from SQLite', drain, rawReads),
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
};
export default benchmark;
