/**
 * The auth chain difference the slow, obvious way: load every set's full auth chain (set members included), then
 * take the union minus the intersection. It is the definition itself, kept as the oracle the walk in
 * authChainDifference.ts is tested against and as the baseline of its benchmark; servers use the walk.
 */
import type { AuthChainSource } from './authChainSource.ts';
import { unionMinusIntersection } from './authChainDifference.ts';

/** The events reachable from `eventIds` through auth events, `eventIds` included. Unknown events have no auth events. */
export async function fullAuthChain(eventIds: Iterable<string>, source: AuthChainSource): Promise<Set<string>> {
  const chain = new Set(eventIds);
  let level = [...chain];
  while (level.length > 0) {
    const found = await source.getAuthEdges(level);
    const next: string[] = [];
    for (const id of level) {
      for (const authId of found.get(id)?.authEventIds ?? []) {
        if (chain.has(authId)) continue;
        chain.add(authId);
        next.push(authId);
      }
    }
    level = next;
  }
  return chain;
}

export async function naiveAuthChainDifference(stateSets: readonly Iterable<string>[], source: AuthChainSource): Promise<Set<string>> {
  const chains: Set<string>[] = [];
  for (const set of stateSets) chains.push(await fullAuthChain(set, source));
  return unionMinusIntersection(chains);
}
