/**
 * A local invalidation of a cache, as observed by `CacheRegistry.onInvalidation` listeners: what a
 * cache-invalidation stream writes so that other instances can apply it with `CacheRegistry.invalidate`.
 */
import type { CacheKey } from './cacheKey.ts';

export type CacheInvalidationKind =
  /** One entry: `key` is a full key. Also emitted by `prefill`, which replaces the entry's value. */
  | 'key'
  /** Every entry whose key starts with `key` (tree caches only). */
  | 'prefix'
  /** Every entry; `key` is null. */
  | 'all';

export interface CacheInvalidation {
  readonly cacheName: string;
  readonly kind: CacheInvalidationKind;
  /** The key or prefix; null for `all`. Remote instances pass it unchanged to `CacheRegistry.invalidate`. */
  readonly key: CacheKey | null;
}

export type CacheInvalidationListener = (invalidation: CacheInvalidation) => void;
