/**
 * The auth chain difference (SEED-BEHAVIOURS.md §4) of two forked states of a large room, read from SQLite
 * through EventAuthReadStore: the on-the-fly walk (computeAuthChainDifference), which stops once its frontier has
 * converged, against the naive definition (naiveAuthChainDifference: load every set's full auth chain, then take
 * the union minus the intersection), on the same database in the same run.
 *
 * The room (version 11) has 10,000 member events plus a power-levels change every 100 of them: 500 users join and
 * then change their display name 19 times each. The events are real (signed, auth events chosen from state,
 * auth-checked: the tests' DAG builder) and persisted through the events persistence controller with real state
 * groups. Every member event cites its sender's previous membership and the power levels of its time, and every
 * power-levels event the one before it, so auth chains run deep while the state itself holds ~500 events. Two
 * forks off the tip each change a few state events (one edits the power levels and the topic, the other sets
 * another topic and a display name): the two states differ only near the tip, so the chains converge early.
 *
 * Reported: the distinct events each algorithm asks the store for (target: the walk loads at least 10x fewer),
 * and their speed. Both answers are checked to be equal first (a correctness guard, not a timing assertion).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { measure, ratio, type Benchmark, type Measurement } from './harness.ts';
import { persistLine } from './persistLine.ts';
import { openDataDirectory } from '../core/storage/dataDirectory.ts';
import { Storage } from '../core/storage/storage.ts';
import { EventAuthReadStore } from '../core/storage/databases/main/eventAuthReadStore.ts';
import { RoomStateResolver } from '../core/state/roomStateResolver.ts';
import { computeAuthChainDifference } from '../core/state/authChainDifference.ts';
import { naiveAuthChainDifference } from '../core/state/naiveAuthChainDifference.ts';
import type { AuthChainSource, AuthEdges } from '../core/state/authChainSource.ts';
import type { RoomEvent } from '../core/events/roomEvent.ts';
import { DagRoom, type DagBranch } from '../test/support/dagRoom.ts';
import { ALICE } from '../test/support/roomFixture.ts';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 500);
const MEMBER_EVENTS_EACH = Number(process.env.BENCH_MEMBER_EVENTS ?? 20);
const POWER_LEVELS_EVERY = 100;
const TARGET_FEWER_LOADED = 10;

/** Counts the distinct events asked for, in front of the real store. */
class CountingSource implements AuthChainSource {
  readonly loaded = new Set<string>();
  constructor(private readonly inner: AuthChainSource) {}
  getAuthEdges(eventIds: readonly string[]): Promise<ReadonlyMap<string, AuthEdges>> {
    for (const id of eventIds) this.loaded.add(id);
    return this.inner.getAuthEdges(eventIds);
  }
}

/** The room's main line: setup, the member events in rounds, a power-levels change every so often. */
function buildRoom(): { main: DagBranch; line: RoomEvent[] } {
  const { room, main } = DagRoom.create('11');
  const users = Array.from({ length: MEMBERS }, (_, i) => `@user${i}:a.test`);
  let sent = 0;
  for (let round = 0; round < MEMBER_EVENTS_EACH; round++) {
    for (const [i, user] of users.entries()) {
      main.join(user, round === 0 ? {} : { displayname: `User ${i}, take ${round}` });
      if (++sent % POWER_LEVELS_EVERY === 0) main.powerLevels(ALICE, { users: { [ALICE]: 100, [users[sent % MEMBERS]!]: 10 + round } });
    }
  }
  return { main, line: [...room.events.values()] };
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

const benchmark: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-authchain-'));
  const dataDir = openDataDirectory(dir, { serverName: 'a.test' });
  try {
    const store = new EventAuthReadStore(dataDir.db);
    // The resolver the server uses, so persisting the second fork resolves the two states with the walk too.
    const resolver = new RoomStateResolver({ authChains: store, rejections: store });
    const storage = new Storage({ db: dataDir.db, serverName: 'a.test', identity: { instanceName: 'main', eventsWriter: 'main' }, stateResolver: resolver });

    const buildStart = performance.now();
    const { main, line } = buildRoom();
    const forkA = main.fork();
    const forkB = main.fork();
    const forkAEvents = [
      forkA.powerLevels(ALICE, { users: { [ALICE]: 100, '@user1:a.test': 50 } }),
      forkA.topic(ALICE, 'Fork A'),
    ];
    const forkBEvents = [forkB.topic(ALICE, 'Fork B'), forkB.join('@user2:a.test', { displayname: 'Fork B' })];
    const built = performance.now();
    const tip = await persistLine(storage, line, { state: new Map(), group: null });
    await persistLine(storage, forkAEvents, tip);
    await persistLine(storage, forkBEvents, tip);
    const persisted = performance.now();
    const stateEvents = line.filter((e) => e.stateKey !== null).length;
    console.log(
      `room: ${line.length.toLocaleString('en')} events on the main line (${stateEvents.toLocaleString('en')} state events), state of ${tip.state.size} events; ` +
        `built in ${((built - buildStart) / 1000).toFixed(1)} s, persisted in ${((persisted - built) / 1000).toFixed(1)} s`,
    );

    const after = await storage.stateController.statesAfter([forkAEvents.at(-1)!.eventId, forkBEvents.at(-1)!.eventId]);
    const stateSets = after.map((a) => new Set(a.state.values()));

    // Correctness guard, and the events each one loads (a fresh count for each).
    const walkCount = new CountingSource(store);
    const naiveCount = new CountingSource(store);
    const walked = await computeAuthChainDifference(stateSets, walkCount);
    const naive = await naiveAuthChainDifference(stateSets, naiveCount);
    if (JSON.stringify(sorted(walked)) !== JSON.stringify(sorted(naive))) {
      throw new Error(`the walk and the naive version disagree: ${walked.size} vs ${naive.size} events`);
    }
    const fewer = naiveCount.loaded.size / walkCount.loaded.size;
    const verdict = fewer >= TARGET_FEWER_LOADED ? 'met' : 'MISSED';
    console.log(
      `Auth chain difference of the two forks (${walked.size} events): distinct events loaded from the store, naive ÷ walk\n` +
        `  on-the-fly walk: ${walkCount.loaded.size.toLocaleString('en')} events loaded\n` +
        `  naive union − intersection: ${naiveCount.loaded.size.toLocaleString('en')} events loaded\n` +
        `  ratio ${fewer.toFixed(3)}  (target >= ${TARGET_FEWER_LOADED}: ${verdict})`,
    );
    // The same as a ratio report: "operations" are events loaded per computation (shown as ops/s, one second each).
    const loaded = (name: string, count: number): Measurement => ({ name: `${name}, events loaded per computation`, operations: count, seconds: 1, opsPerSecond: count });

    const walkTime = await measure('on-the-fly walk over EventAuthReadStore', () => computeAuthChainDifference(stateSets, store), { warmupCalls: 3 });
    const naiveTime = await measure('naive union − intersection over EventAuthReadStore', () => naiveAuthChainDifference(stateSets, store), { warmupCalls: 3 });
    return [
      ratio('Auth chain difference, events loaded: naive ÷ walk (higher is better for the walk)', loaded('naive union − intersection', naiveCount.loaded.size), loaded('on-the-fly walk', walkCount.loaded.size), TARGET_FEWER_LOADED),
      ratio(`Auth chain difference of two forks in a room of ${line.length.toLocaleString('en')} events: walk vs naive, computations per second`, walkTime, naiveTime),
    ];
  } finally {
    dataDir.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default benchmark;
