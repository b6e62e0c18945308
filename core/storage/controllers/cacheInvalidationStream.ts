/**
 * The cache-invalidation stream: every invalidation a write causes is recorded as a row (in the write's own
 * transaction) so that other instances can replay it, and applied to the local caches after commit
 * (SEED-BEHAVIOURS.md §1, §7). Rows carry the cache name and the key (or key prefix, or null for "all").
 */
import type { Database } from '../engine/database.ts';
import type { StreamIdGenerator } from '../engine/streamIdGenerator.ts';
import type { CacheRegistry } from '../cache/cacheRegistry.ts';
import type { CacheKey } from '../cache/cacheKey.ts';

export interface PendingInvalidation {
  readonly cacheName: string;
  /** The key, a prefix of it (tree caches), or null for the whole cache. */
  readonly key: CacheKey | null;
}

/**
 * A pseudo-cache whose row `[roomId, ...changedMembers]` stands for every membership cache of the current state
 * (SEED-BEHAVIOURS.md §1): the room's joined users, joined hosts and member summary, and each changed member's rooms.
 */
export const CURRENT_STATE_MEMBERSHIP = 'current_state_membership';

export function currentStateMembershipInvalidation(roomId: string, changedMembers: readonly string[]): PendingInvalidation {
  return { cacheName: CURRENT_STATE_MEMBERSHIP, key: [roomId, ...changedMembers] };
}

/** The real cache invalidations a row stands for. */
export function expandInvalidation(p: PendingInvalidation): PendingInvalidation[] {
  if (p.cacheName !== CURRENT_STATE_MEMBERSHIP || p.key === null) return [p];
  const [roomId, ...members] = p.key as string[];
  return [
    { cacheName: 'getUsersInRoom', key: [roomId!] },
    { cacheName: 'isHostJoined', key: [roomId!] },
    { cacheName: 'getRoomMemberSummary', key: [roomId!] },
    ...members.map((userId) => ({ cacheName: 'getRoomsForUser', key: [userId] })),
  ];
}

export interface InvalidationRow extends PendingInvalidation {
  readonly streamId: number;
  readonly instanceName: string;
}

export class CacheInvalidationStream {
  constructor(
    private readonly db: Database,
    private readonly generator: StreamIdGenerator,
    private readonly caches: CacheRegistry,
    private readonly instanceName: string,
  ) {}

  /** Writes rows for `pending`; call inside the transaction of the write that causes them. */
  recordInTransaction(pending: readonly PendingInvalidation[]): void {
    if (pending.length === 0) return;
    const allocation = this.generator.allocate(pending.length);
    const insert = this.db.prepare(
      'INSERT INTO cache_invalidation_stream (stream_id, instance_name, cache_func, keys, invalidation_ts) VALUES (?, ?, ?, ?, ?)',
    );
    try {
      const now = Date.now();
      pending.forEach((p, i) => insert.run(allocation.ids[i], this.instanceName, p.cacheName, p.key === null ? null : JSON.stringify(p.key), now));
    } catch (e) {
      allocation.abort();
      throw e;
    }
    // The surrounding transaction commits right after; if it rolls back the IDs are simply a gap.
    allocation.commit();
  }

  /** Applies invalidations (local ones after commit, or rows replayed from another instance) to our caches. */
  applyLocally(pending: readonly PendingInvalidation[]): void {
    for (const p of pending) for (const real of expandInvalidation(p)) this.caches.invalidate(real.cacheName, real.key);
  }

  /** Records and applies in one step, for writes outside event persistence. */
  invalidateAndStream(pending: readonly PendingInvalidation[]): void {
    this.db.transaction(() => this.recordInTransaction(pending)).immediate();
    this.applyLocally(pending);
  }

  /** Rows after `from` up to `to`, for replication to other instances. */
  rowsBetween(from: number, to: number, limit = 1000): InvalidationRow[] {
    const rows = this.db
      .prepare('SELECT stream_id, instance_name, cache_func, keys FROM cache_invalidation_stream WHERE stream_id > ? AND stream_id <= ? ORDER BY stream_id LIMIT ?')
      .all(from, to, limit) as { stream_id: number; instance_name: string; cache_func: string; keys: string | null }[];
    return rows.map((r) => ({
      streamId: r.stream_id,
      instanceName: r.instance_name,
      cacheName: r.cache_func,
      key: r.keys === null ? null : (JSON.parse(r.keys) as CacheKey),
    }));
  }

  get currentToken(): number {
    return this.generator.getCurrentToken();
  }
}
