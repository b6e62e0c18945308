/**
 * What one cache reports for the server-health page (`CacheRegistry.snapshot()`): plain JSON, counters since
 * the cache was created.
 */
export interface CacheStats {
  /** The cache's name, unique within its registry (e.g. `getUsersInRoom`). */
  readonly name: string;
  /** Whether the cache accepts prefix invalidation (`invalidateMany`). */
  readonly tree: boolean;
  /** Lookups answered without running the body: a finished entry, or a share of one already running. */
  readonly hits: number;
  /** Lookups that ran the body (per key, so a list lookup fetching 3 missing keys counts 3). */
  readonly misses: number;
  /** Entries dropped to respect `maxEntries` / `maxSize`. */
  readonly evictions: number;
  /** Invalidation operations applied (key, prefix or all; local or received from another instance). */
  readonly invalidations: number;
  /** Finished entries held now. */
  readonly size: number;
  /** Sum of the held entries' sizes as measured by `sizeOf` (equals `size` without one). */
  readonly totalSize: number;
  /** Lookups running now. */
  readonly inFlight: number;
  readonly maxEntries: number;
  /** null when unbounded. */
  readonly maxSize: number | null;
}
