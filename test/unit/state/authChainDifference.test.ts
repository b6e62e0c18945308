/**
 * SEED-BEHAVIOURS.md §4: the auth chain difference computed on the fly, stopping early; checked on the seed
 * graph, against the naive union-minus-intersection on random DAGs, for how much it loads, and with events that
 * are not persisted yet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeAuthChainDifference } from '../../../core/state/authChainDifference.ts';
import { naiveAuthChainDifference } from '../../../core/state/naiveAuthChainDifference.ts';
import type { AuthEdges, UnpersistedAuthEvent } from '../../../core/state/authChainSource.ts';
import { MemoryAuthChainSource } from '../../support/memoryAuthChainSource.ts';
import { SeededRandom } from '../../support/seededRandom.ts';

// The seed graph (edges event → auth event) and its depths.
const SEED_EDGES: Record<string, string[]> = {
  a: ['e'],
  b: ['e'],
  c: ['g', 'i'],
  d: ['f'],
  e: ['f'],
  f: ['g'],
  g: ['h', 'i'],
  h: ['k'],
  i: ['j'],
};
const SEED_DEPTHS: Record<string, number> = { a: 7, b: 7, d: 6, e: 6, f: 5, c: 4, g: 3, h: 2, i: 2, k: 1, j: 1 };

const seedSource = () => MemoryAuthChainSource.fromGraph(SEED_EDGES, SEED_DEPTHS);
const sorted = (ids: Iterable<string>) => [...ids].sort();

async function seedCase(sets: string[][], expected: string[]) {
  const source = seedSource();
  assert.deepEqual(sorted(await computeAuthChainDifference(sets.map((s) => new Set(s)), source)), expected.sort());
  // The definition agrees (a check of the expectation itself).
  assert.deepEqual(sorted(await naiveAuthChainDifference(sets, seedSource())), expected.sort());
  // Batches of one event at a time walk in the strictest depth order; the answer must not change.
  assert.deepEqual(sorted(await computeAuthChainDifference(sets, seedSource(), { batchSize: 1 })), expected.sort());
}

test('§4 seed graph: [{a},{b}] → {a,b}', () => seedCase([['a'], ['b']], ['a', 'b']));
test('§4 seed graph: [{a},{b},{c}] → {a,b,c,e,f}', () => seedCase([['a'], ['b'], ['c']], ['a', 'b', 'c', 'e', 'f']));
test('§4 seed graph: [{a,c},{b}] → {a,b,c}', () => seedCase([['a', 'c'], ['b']], ['a', 'b', 'c']));
test('§4 seed graph: [{a},{b},{d}] → {a,b,d,e}', () => seedCase([['a'], ['b'], ['d']], ['a', 'b', 'd', 'e']));
test('§4 seed graph: [{a},{b},{c},{d}] → {a,b,c,d,e,f}', () => seedCase([['a'], ['b'], ['c'], ['d']], ['a', 'b', 'c', 'd', 'e', 'f']));
test('§4 seed graph: [{a},{b},{e}] → {a,b}', () => seedCase([['a'], ['b'], ['e']], ['a', 'b']));
test('§4 seed graph: [{a}] → ∅', () => seedCase([['a']], []));

test('§4 a converged frontier that still leads to an event already reached does not end the walk', async () => {
  // A cites u directly and f; B cites f; f → g → u. Expanded together with f, u looks reachable from A only,
  // and f's subtree converges at once. Stopping there (the frontier {g} is converged) would wrongly report u;
  // u is shallower than g, so the walk goes on until g's edge to u is applied.
  const source = MemoryAuthChainSource.fromGraph({ A: ['u', 'f'], B: ['f'], f: ['g'], g: ['u'] }, { A: 10, B: 10, f: 9, g: 8, u: 2 });
  assert.deepEqual(sorted(await computeAuthChainDifference([['A'], ['B']], source)), ['A', 'B']);
});

test('§4 depths that do not decrease along auth edges make the walk go to the end (and stay correct)', async () => {
  // Same graph, every depth equal: depth says nothing about reachability, so the walk must not stop early.
  const source = MemoryAuthChainSource.fromGraph({ A: ['u', 'f'], B: ['f'], f: ['g'], g: ['u'] }, { A: 1, B: 1, f: 1, g: 1, u: 1 });
  assert.deepEqual(sorted(await computeAuthChainDifference([['A'], ['B']], source)), ['A', 'B']);
});

test('§4 no sets, one set, identical sets and empty sets', async () => {
  assert.deepEqual(sorted(await computeAuthChainDifference([], seedSource())), []);
  assert.deepEqual(sorted(await computeAuthChainDifference([['a', 'b']], seedSource())), []);
  assert.deepEqual(sorted(await computeAuthChainDifference([['a', 'c'], ['c', 'a']], seedSource())), []);
  // An empty set reaches nothing: the other set's whole chain is the difference.
  assert.deepEqual(sorted(await computeAuthChainDifference([['d'], []], seedSource())), ['d', 'f', 'g', 'h', 'i', 'j', 'k']);
});

test('§4 events the source does not hold count as events without auth events', async () => {
  // x is unknown; the walk must still report it (and not crash on it).
  assert.deepEqual(sorted(await computeAuthChainDifference([['a', 'x'], ['b']], seedSource())), ['a', 'b', 'x']);
  // A known event citing an unknown auth event.
  const source = MemoryAuthChainSource.fromGraph({ p: ['ghost'], q: [] }, { p: 2, q: 2 });
  assert.deepEqual(sorted(await computeAuthChainDifference([['p'], ['q']], source)), ['ghost', 'p', 'q']);
});

/** A random auth DAG: event i cites earlier events only; depth is above every auth event's depth. */
function randomDag(random: SeededRandom, size: number, maxAuth: number): Map<string, AuthEdges> {
  const edges = new Map<string, AuthEdges>();
  const ids: string[] = [];
  for (let i = 0; i < size; i++) {
    const id = `$e${i}`;
    const authIds = i === 0 ? [] : random.sample(ids, random.int(i === 0 ? 0 : 1, maxAuth));
    const depth = Math.max(0, ...authIds.map((a) => edges.get(a)!.depth)) + random.int(1, 3);
    edges.set(id, { depth, authEventIds: authIds });
    ids.push(id);
  }
  return edges;
}

/** Random state sets, often overlapping and biased to recent events, as real forks are. */
function randomSets(random: SeededRandom, ids: readonly string[]): string[][] {
  const count = random.int(1, 5);
  const shared = random.sample(ids, random.int(0, 6));
  const recent = ids.slice(Math.floor(ids.length * random.next() * 0.9));
  return Array.from({ length: count }, () => {
    const own = random.sample(random.next() < 0.7 ? recent : ids, random.int(0, 8));
    return [...new Set([...(random.next() < 0.8 ? shared : []), ...own])];
  });
}

test('§4 agrees with the naive union-minus-intersection on 400 random DAGs (seeded)', async () => {
  for (let seed = 1; seed <= 400; seed++) {
    const random = new SeededRandom(seed);
    const size = random.pick([5, 20, 60, 150, 400]);
    const edges = randomDag(random, size, random.pick([1, 2, 4, 6]));
    const sets = randomSets(random, [...edges.keys()]);
    const batchSize = random.pick([1, 3, 100]);
    const walked = await computeAuthChainDifference(sets, new MemoryAuthChainSource(edges), { batchSize });
    const naive = await naiveAuthChainDifference(sets, new MemoryAuthChainSource(edges));
    assert.deepEqual(sorted(walked), sorted(naive), `seed ${seed} (size ${size}, ${sets.length} sets, batch ${batchSize})`);
  }
});

test('§4 agrees with the naive difference on random DAGs whose depths are all equal (no early stop)', async () => {
  for (let seed = 1000; seed < 1100; seed++) {
    const random = new SeededRandom(seed);
    const base = randomDag(random, random.pick([10, 50, 120]), 3);
    const flat = new Map([...base].map(([id, e]) => [id, { depth: 1, authEventIds: e.authEventIds }]));
    const sets = randomSets(random, [...flat.keys()]);
    const walked = await computeAuthChainDifference(sets, new MemoryAuthChainSource(flat), { batchSize: random.pick([1, 7, 100]) });
    assert.deepEqual(sorted(walked), sorted(await naiveAuthChainDifference(sets, new MemoryAuthChainSource(flat))), `seed ${seed}`);
  }
});

/**
 * A long shared history (each event citing the previous one and the create event, as power levels and joins do)
 * and two short forks on top of it.
 */
function longRoom(historyLength: number, forkLength: number) {
  const authEvents: Record<string, string[]> = { create: [] };
  const depths: Record<string, number> = { create: 1 };
  let previous = 'create';
  for (let i = 1; i <= historyLength; i++) {
    const id = `h${i}`;
    authEvents[id] = i === 1 ? ['create'] : [previous, 'create'];
    depths[id] = i + 1;
    previous = id;
  }
  const top = previous;
  const fork = (name: string) => {
    let tip = top;
    for (let i = 1; i <= forkLength; i++) {
      const id = `${name}${i}`;
      authEvents[id] = [tip, 'create'];
      depths[id] = depths[top]! + i;
      tip = id;
    }
    return tip;
  };
  return { authEvents, depths, tipA: fork('x'), tipB: fork('y'), middle: `h${Math.floor(historyLength / 2)}` };
}

test('§4 stops early: two forks of a 5000-event history load a few dozen events, not the whole chain', async () => {
  const room = longRoom(5000, 5);
  const sets = [
    ['create', room.middle, room.tipA],
    ['create', room.middle, room.tipB],
  ];
  const source = MemoryAuthChainSource.fromGraph(room.authEvents, room.depths);
  const difference = await computeAuthChainDifference(sets, source);
  assert.deepEqual(sorted(difference), ['x1', 'x2', 'x3', 'x4', 'x5', 'y1', 'y2', 'y3', 'y4', 'y5']);
  const chainLength = Object.keys(room.depths).length;
  assert.ok(source.distinctRequested < 50, `loaded ${source.distinctRequested} of ${chainLength} events`);
  assert.ok(source.calls < 20, `${source.calls} round trips`);

  // The naive way loads everything.
  const naiveSource = MemoryAuthChainSource.fromGraph(room.authEvents, room.depths);
  assert.deepEqual(sorted(await naiveAuthChainDifference(sets, naiveSource)), sorted(difference));
  assert.ok(naiveSource.distinctRequested >= 5000);
});

test('§4 events not yet persisted: their persisted auth events stand in for them and their own difference is added', async () => {
  // Persisted: the seed graph. In memory: m1 → {m0, a}, m0 → {e}, n1 → {m0, c}, and p (no auth events).
  const inMemory = new Map<string, UnpersistedAuthEvent>([
    ['m0', { authEventIds: ['e'] }],
    ['m1', { authEventIds: ['m0', 'a'] }],
    ['n1', { authEventIds: ['m0', 'c'] }],
    ['p', { authEventIds: [] }],
  ]);
  const loadUnpersisted = async (ids: readonly string[]) => new Map(ids.flatMap((id) => (inMemory.has(id) ? [[id, inMemory.get(id)!] as const] : [])));
  const everything = MemoryAuthChainSource.fromGraph(
    { ...SEED_EDGES, ...Object.fromEntries([...inMemory].map(([id, e]) => [id, [...e.authEventIds]])) },
    { ...SEED_DEPTHS, m0: 7, m1: 8, n1: 8, p: 8 },
  );

  const cases: string[][][] = [
    [['m1'], ['n1']],
    [['m1', 'b'], ['b', 'd']],
    [['m1', 'p'], ['n1'], ['c']],
    [['m0'], ['a']],
    [['m1'], ['m1', 'h']],
  ];
  for (const sets of cases) {
    const persisted = seedSource();
    const walked = await computeAuthChainDifference(sets, persisted, { loadUnpersisted });
    assert.deepEqual(sorted(walked), sorted(await naiveAuthChainDifference(sets, everything)), JSON.stringify(sets));
  }
  assert.deepEqual(sorted(await computeAuthChainDifference([['m1'], ['n1']], seedSource(), { loadUnpersisted })), ['a', 'c', 'm1', 'n1']);
});

test('§4 events not yet persisted, on random DAGs: the newest events kept in memory (seeded)', async () => {
  for (let seed = 2000; seed < 2150; seed++) {
    const random = new SeededRandom(seed);
    const edges = randomDag(random, random.pick([10, 40, 120]), 3);
    const ids = [...edges.keys()];
    // Persisted events never cite unpersisted ones, so the unpersisted events are a suffix of creation order.
    const cut = random.int(Math.floor(ids.length / 2), ids.length);
    const persisted = new Map(ids.slice(0, cut).map((id) => [id, edges.get(id)!]));
    const inMemory = new Map(ids.slice(cut).map((id) => [id, edges.get(id)!]));
    const loadUnpersisted = async (wanted: readonly string[]) =>
      new Map(wanted.flatMap((id) => (inMemory.has(id) ? [[id, inMemory.get(id)!] as const] : [])));
    const sets = randomSets(random, ids);
    const walked = await computeAuthChainDifference(sets, new MemoryAuthChainSource(persisted), { loadUnpersisted, batchSize: random.pick([1, 100]) });
    assert.deepEqual(sorted(walked), sorted(await naiveAuthChainDifference(sets, new MemoryAuthChainSource(edges))), `seed ${seed}`);
  }
});
