/**
 * The auth chain difference of several state sets (SEED-BEHAVIOURS.md §4): every event reachable through auth
 * events (the set members included) from at least one set but not from all of them. State resolution v2 needs it
 * for the full conflicted set.
 *
 * Loading whole auth chains is expensive in large rooms, so this walks all sets at once and stops as soon as the
 * walk has converged. Each event reached keeps a bitmask of the sets that do *not* reach it ("missing"). The
 * frontier (reached, auth events not yet applied) is worked deepest first, a batch at a time; applying an edge
 * e → a intersects missing(a) with missing(e), and when `a` had been reached before, the intersection is pushed
 * down to everything already reached from `a`. Once every frontier event is reached by all sets, nothing below
 * the frontier can be in the difference, and what has been reached so far is final provided no frontier event
 * can still lead back to an event of the difference. Depths decrease along auth edges (auth events precede the
 * event), so that holds when no event of the difference is shallower than the deepest frontier event; the walk
 * checks this too, and falls back to a full walk if it ever sees an auth event that is not shallower than the
 * event citing it (depth is the sender's claim, so it is only trusted while it behaves).
 *
 * Events the source does not hold yet (the batch being persisted) are replaced by their persisted auth events,
 * and the difference of their in-memory part is added: the two parts are disjoint because persisted events never
 * cite unpersisted ones.
 */
import type { AuthChainSource, AuthEdges, UnpersistedEventLoader } from './authChainSource.ts';

/** How many frontier events the walk expands per round trip to the source. */
export const AUTH_CHAIN_WALK_BATCH_SIZE = 100;

export interface AuthChainDifferenceOptions {
  /** Frontier events expanded per round trip (default AUTH_CHAIN_WALK_BATCH_SIZE). */
  readonly batchSize?: number;
  /** Finds set members the source does not hold among in-memory events (and, recursively, their auth events). */
  readonly loadUnpersisted?: UnpersistedEventLoader;
}

/** The auth chain difference as state resolution v2 receives it (sources already bound). */
export type AuthChainDifference = (stateSets: readonly ReadonlySet<string>[]) => Promise<ReadonlySet<string>>;

/**
 * The auth chain difference of `stateSets` (each the event IDs of one state), reading the DAG from `source`.
 * Events unknown to both the source and `loadUnpersisted` count as events without auth events.
 */
export async function computeAuthChainDifference(
  stateSets: readonly Iterable<string>[],
  source: AuthChainSource,
  options: AuthChainDifferenceOptions = {},
): Promise<Set<string>> {
  const sets = stateSets.map((s) => new Set(s));
  if (sets.length < 2) return new Set();
  const batchSize = Math.max(1, options.batchSize ?? AUTH_CHAIN_WALK_BATCH_SIZE);
  const edges = new AuthEdgesCache(source);
  await edges.fetch(unionOf(sets));

  const unpersisted = options.loadUnpersisted ? await loadUnpersistedClosure(unionOf(sets), edges, options.loadUnpersisted) : new Map();
  if (unpersisted.size === 0) return walkDifference(sets, edges, batchSize);

  const { persistedSets, inMemorySets } = substituteUnpersisted(sets, unpersisted);
  const difference = await walkDifference(persistedSets, edges, batchSize);
  for (const id of unionMinusIntersection(inMemorySets)) difference.add(id);
  return difference;
}

/** Fetches auth edges once per event for one computation; `null` records "the source does not hold it". */
class AuthEdgesCache {
  private readonly known = new Map<string, AuthEdges | null>();

  constructor(private readonly source: AuthChainSource) {}

  async fetch(eventIds: Iterable<string>): Promise<void> {
    const wanted = [...new Set(eventIds)].filter((id) => !this.known.has(id));
    if (wanted.length === 0) return;
    const found = await this.source.getAuthEdges(wanted);
    for (const id of wanted) this.known.set(id, found.get(id) ?? null);
  }

  /** The edges of a fetched event, null when the source lacks it, undefined when not fetched yet. */
  get(eventId: string): AuthEdges | null | undefined {
    return this.known.get(eventId);
  }

  depthOf(eventId: string): number {
    return this.known.get(eventId)?.depth ?? -Infinity;
  }
}

/**
 * The in-memory events reachable from the set members the source lacks, with their auth event IDs. Each loader
 * round covers one more level of auth events that the source lacks too.
 */
async function loadUnpersistedClosure(
  members: ReadonlySet<string>,
  edges: AuthEdgesCache,
  load: UnpersistedEventLoader,
): Promise<Map<string, readonly string[]>> {
  const unpersisted = new Map<string, readonly string[]>();
  const asked = new Set<string>();
  let pending = [...members].filter((id) => edges.get(id) === null);
  while (pending.length > 0) {
    for (const id of pending) asked.add(id);
    const loaded = await load(pending);
    const next = new Set<string>();
    for (const id of pending) {
      const event = loaded.get(id);
      if (!event) continue;
      unpersisted.set(id, [...event.authEventIds]);
      for (const authId of event.authEventIds) if (!unpersisted.has(authId) && !asked.has(authId)) next.add(authId);
    }
    await edges.fetch(next);
    pending = [...next].filter((id) => edges.get(id) === null);
  }
  return unpersisted;
}

/**
 * Splits each set: its persisted members plus the persisted auth events its unpersisted members lead to (for the
 * walk), and the unpersisted events it reaches (whose difference is computed here, in memory).
 */
function substituteUnpersisted(
  sets: readonly Set<string>[],
  unpersisted: ReadonlyMap<string, readonly string[]>,
): { persistedSets: Set<string>[]; inMemorySets: Set<string>[] } {
  const chains = new Map<string, { inMemory: Set<string>; persistedAuth: Set<string> }>();
  const chainOf = (eventId: string) => {
    let chain = chains.get(eventId);
    if (chain) return chain;
    chain = { inMemory: new Set([eventId]), persistedAuth: new Set() };
    const stack = [eventId];
    while (stack.length > 0) {
      for (const authId of unpersisted.get(stack.pop()!) ?? []) {
        if (!unpersisted.has(authId)) chain.persistedAuth.add(authId);
        else if (!chain.inMemory.has(authId)) {
          chain.inMemory.add(authId);
          stack.push(authId);
        }
      }
    }
    chains.set(eventId, chain);
    return chain;
  };
  const persistedSets: Set<string>[] = [];
  const inMemorySets: Set<string>[] = [];
  for (const set of sets) {
    const persisted = new Set<string>();
    const inMemory = new Set<string>();
    for (const id of set) {
      if (!unpersisted.has(id)) {
        persisted.add(id);
        continue;
      }
      const chain = chainOf(id);
      for (const e of chain.persistedAuth) persisted.add(e);
      for (const e of chain.inMemory) inMemory.add(e);
    }
    persistedSets.push(persisted);
    inMemorySets.push(inMemory);
  }
  return { persistedSets, inMemorySets };
}

/** The walk itself, over events the source holds (others are treated as having no auth events). */
async function walkDifference(sets: readonly Set<string>[], edges: AuthEdgesCache, batchSize: number): Promise<Set<string>> {
  const allSets = (1n << BigInt(sets.length)) - 1n;
  /** Bit i set: set i does not reach the event (as far as the walk has seen). */
  const missing = new Map<string, bigint>();
  /** Events whose missing mask is not empty: the difference so far. */
  const nonEmpty = new Set<string>();
  const setMissing = (eventId: string, mask: bigint) => {
    missing.set(eventId, mask);
    if (mask === 0n) nonEmpty.delete(eventId);
    else nonEmpty.add(eventId);
  };
  /** Events whose auth edges have been applied, with those edges (unknown events: none). */
  const expanded = new Map<string, readonly string[]>();
  const frontier: string[] = [];

  const members = unionOf(sets);
  await edges.fetch(members);
  for (const id of members) {
    let mask = allSets;
    sets.forEach((set, i) => {
      if (set.has(id)) mask &= ~(1n << BigInt(i));
    });
    setMissing(id, mask);
    if (edges.get(id)) frontier.push(id);
    else expanded.set(id, []);
  }

  /** The sets of `mask` reach `eventId`, so everything reached from it too. */
  const narrow = (eventId: string, mask: bigint) => {
    const stack = [eventId];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const before = missing.get(id)!;
      const after = before & mask;
      // Unchanged means its descendants (already subsets of it) are unchanged as well.
      if (after === before) continue;
      setMissing(id, after);
      for (const authId of expanded.get(id) ?? []) stack.push(authId);
    }
  };

  let depthsTrusted = true;
  // Once the frontier has converged it stays converged (it only inherits empty masks) and the difference only
  // shrinks, so its events are sorted once and skipped as they leave it.
  let converged: { order: string[]; next: number } | null = null;
  const shallowestDifferenceDepth = () => {
    converged ??= { order: [...nonEmpty].sort((a, b) => compareNumbers(edges.depthOf(a), edges.depthOf(b))), next: 0 };
    while (converged.next < converged.order.length && !nonEmpty.has(converged.order[converged.next]!)) converged.next++;
    const shallowest = converged.order[converged.next];
    return shallowest === undefined ? Infinity : edges.depthOf(shallowest);
  };

  while (frontier.length > 0) {
    frontier.sort((a, b) => compareNumbers(edges.depthOf(b), edges.depthOf(a)) || (a < b ? -1 : a > b ? 1 : 0));
    if (frontier.every((id) => missing.get(id) === 0n)) {
      if (depthsTrusted && shallowestDifferenceDepth() >= edges.depthOf(frontier[0]!)) break;
    }

    const chunk = frontier.splice(0, batchSize);
    /** Newly reached events, with the depth of the deepest event citing them (to check depths once fetched). */
    const discovered = new Map<string, number>();
    for (const id of chunk) {
      const own = edges.get(id)!;
      expanded.set(id, own.authEventIds);
      const mask = missing.get(id)!;
      for (const authId of own.authEventIds) {
        const authEdges = edges.get(authId);
        if (authEdges && authEdges.depth >= own.depth) depthsTrusted = false;
        if (!missing.has(authId)) {
          setMissing(authId, mask);
          discovered.set(authId, own.depth);
          continue;
        }
        if (discovered.has(authId)) discovered.set(authId, Math.max(discovered.get(authId)!, own.depth));
        narrow(authId, mask);
      }
    }

    await edges.fetch(discovered.keys());
    for (const [id, citingDepth] of discovered) {
      const own = edges.get(id);
      if (!own) {
        expanded.set(id, []);
        continue;
      }
      if (own.depth >= citingDepth) depthsTrusted = false;
      frontier.push(id);
    }
  }
  return new Set(nonEmpty);
}

function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function unionOf(sets: readonly ReadonlySet<string>[]): Set<string> {
  const union = new Set<string>();
  for (const set of sets) for (const id of set) union.add(id);
  return union;
}

/** ∪ − ∩ of plain sets. */
export function unionMinusIntersection(sets: readonly ReadonlySet<string>[]): Set<string> {
  const union = unionOf(sets);
  const result = new Set<string>();
  for (const id of union) if (!sets.every((set) => set.has(id))) result.add(id);
  return result;
}
