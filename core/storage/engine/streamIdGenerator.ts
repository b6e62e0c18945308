/**
 * Allocates positions in one stream (events, device lists, to-device, ...). The starting point is the maximum
 * over *every* table that takes IDs from the stream (SEED-BEHAVIOURS.md §3): leaving one out makes a restart
 * hand out IDs that are already taken.
 *
 * Allocation happens inside a write transaction; the position becomes visible (the current token) only when
 * the allocation is committed, and only once every lower allocation has finished. An aborted allocation that
 * is still the highest one is handed out again, since nothing can have seen it; an aborted one below a
 * committed ID is simply a gap.
 */
import type { Database } from './database.ts';

export interface StreamTable {
  readonly table: string;
  readonly column: string;
}

export interface StreamIdAllocation {
  readonly ids: readonly number[];
  /** The last (highest) ID of the allocation. */
  readonly last: number;
  /** Call after the transaction that wrote these IDs committed. */
  commit(): void;
  /** Call when that transaction failed or rolled back. */
  abort(): void;
}

const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class StreamIdGenerator {
  private allocatedMax: number;
  private committedMax: number;
  private readonly unfinished = new Set<number>();
  private readonly listeners = new Set<(token: number) => void>();

  constructor(
    readonly streamName: string,
    db: Database,
    tables: readonly StreamTable[],
  ) {
    if (tables.length === 0) throw new Error(`stream ${streamName} needs at least one table`);
    const start = Math.max(
      0,
      ...tables.map(({ table, column }) => {
        if (!SAFE_IDENTIFIER.test(table) || !SAFE_IDENTIFIER.test(column)) throw new Error(`bad table/column ${table}.${column}`);
        const row = db.prepare(`SELECT MAX(${column}) AS m FROM ${table}`).get() as { m: number | null };
        return row.m ?? 0;
      }),
    );
    this.allocatedMax = start;
    this.committedMax = start;
  }

  /** The highest position such that everything at or below it is persisted (or was abandoned). */
  getCurrentToken(): number {
    if (this.unfinished.size === 0) return this.committedMax;
    const lowestPending = Math.min(...this.unfinished);
    return Math.min(this.committedMax, lowestPending - 1);
  }

  /** Allocates `count` consecutive IDs. */
  allocate(count = 1): StreamIdAllocation {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`cannot allocate ${count} stream IDs`);
    const ids = Array.from({ length: count }, (_, i) => this.allocatedMax + 1 + i);
    this.allocatedMax += count;
    for (const id of ids) this.unfinished.add(id);
    let settled = false;
    const settle = (committed: boolean) => {
      if (settled) return;
      settled = true;
      const before = this.getCurrentToken();
      for (const id of ids) this.unfinished.delete(id);
      if (committed) {
        this.committedMax = Math.max(this.committedMax, ids.at(-1)!);
      } else if (this.allocatedMax === ids.at(-1)) {
        // Nothing above us was handed out, so nobody saw these IDs: reuse them.
        this.allocatedMax = ids[0]! - 1;
      }
      const after = this.getCurrentToken();
      if (after > before) for (const listener of this.listeners) listener(after);
    };
    return { ids, last: ids.at(-1)!, commit: () => settle(true), abort: () => settle(false) };
  }

  /**
   * Allocates IDs, runs `write` (which must run a synchronous transaction writing them), and commits or aborts
   * the allocation according to its outcome.
   */
  withIds<T>(count: number, write: (ids: readonly number[]) => T): T {
    const allocation = this.allocate(count);
    try {
      const result = write(allocation.ids);
      allocation.commit();
      return result;
    } catch (e) {
      allocation.abort();
      throw e;
    }
  }

  /** Called with the new current token whenever it advances. Returns an unsubscribe function. */
  onAdvance(listener: (token: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
