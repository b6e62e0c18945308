/**
 * Reading state groups. A group stores only its delta against a previous group (state_group_edges), so the
 * state of a group is its chain of deltas applied from the root down, fetched with one recursive query.
 * Groups never change once written, so their states are cached until evicted.
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';
import { LruCache } from '../../cache/lruCache.ts';
import { stateKey, type StateMap, type StateKeyTuple } from '../../../state/stateMap.ts';

interface ChainRow {
  g: number;
  depth: number;
}

interface StateRow {
  state_group: number;
  type: string;
  state_key: string;
  event_id: string;
}

export class StateGroupsReadStore {
  /** The full state of `group`. Rejects for an unknown group. */
  readonly getStateForGroup: CachedFunction<[group: number], StateMap>;
  /**
   * Event → state group, for events that have one. A row, once written, never changes (outliers have none
   * until they join the DAG), so found groups stay valid; every send looks up its prev events' group.
   */
  private readonly groupOfEvent = new LruCache<[eventId: string], number>({ arity: 1, maxEntries: 20_000, name: 'groupOfEvent' });

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
  ) {
    this.getStateForGroup = caches.cached(
      { name: 'getStateForGroup', maxEntries: 2_000, sizeOf: (state: StateMap) => Math.max(1, state.size), maxSize: 500_000 },
      (group: number): StateMap => this.loadState(group),
    );
  }

  /** The state group each event's state is stored in (the state *after* the event). */
  getStateGroupsForEvents(eventIds: readonly string[]): Map<string, number> {
    const result = new Map<string, number>();
    const statement = this.db.prepare('SELECT state_group FROM events WHERE event_id = ? AND state_group IS NOT NULL').pluck();
    for (const eventId of eventIds) {
      let group = this.groupOfEvent.get([eventId]);
      if (group === undefined) {
        group = statement.get(eventId) as number | undefined;
        if (group !== undefined) this.groupOfEvent.set([eventId], group);
      }
      if (group !== undefined) result.set(eventId, group);
    }
    return result;
  }

  /** Remembers the groups of events just committed (the next event of their room names them as prev events). */
  rememberEventGroups(groups: Iterable<readonly [eventId: string, group: number]>): void {
    for (const [eventId, group] of groups) this.groupOfEvent.set([eventId], group);
  }

  /** How many delta hops lead from `group` to a group that stores full state. */
  chainLength(group: number): number {
    return this.chain(group).length - 1;
  }

  private chain(group: number): ChainRow[] {
    return this.db
      .prepare(
        `WITH RECURSIVE chain(g, depth) AS (
           SELECT ?, 0
           UNION ALL
           SELECT e.prev_state_group, chain.depth + 1 FROM state_group_edges e JOIN chain ON e.state_group = chain.g
         )
         SELECT g, depth FROM chain ORDER BY depth DESC`,
      )
      .all(group) as ChainRow[];
  }

  private loadState(group: number): StateMap {
    const exists = this.db.prepare('SELECT 1 FROM state_groups WHERE id = ?').get(group);
    if (!exists) throw new Error(`unknown state group ${group}`);
    const chain = this.chain(group);
    const rows = this.db
      .prepare(
        `SELECT state_group, type, state_key, event_id FROM state_groups_state
         WHERE state_group IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(chain.map((c) => c.g))) as StateRow[];
    const byGroup = new Map<number, StateRow[]>();
    for (const row of rows) {
      let list = byGroup.get(row.state_group);
      if (!list) byGroup.set(row.state_group, (list = []));
      list.push(row);
    }
    const state = new Map<StateKeyTuple, string>();
    // Root first, so later deltas override earlier ones.
    for (const { g } of chain) {
      for (const row of byGroup.get(g) ?? []) state.set(stateKey(row.type, row.state_key), row.event_id);
    }
    return state;
  }
}
