/**
 * A cached read as a plain callable: `getUsersInRoom(roomId)` returns a Promise (always, hit or miss), and the
 * function carries its cache controls: `getUsersInRoom.invalidate([roomId])`, `.invalidateAll()`,
 * `.prefill([roomId], users)`, `.stats`, and `.invalidateMany([userId])` for tree caches.
 *
 * Keys are the call's arguments, so a cached read takes a fixed number of key arguments, each a string, number,
 * boolean or null. Calling with another number of arguments is refused with a rejected promise (this catches
 * `ids.map(getEvent)`, which would pass the index and array too).
 *
 * Returned values are shared by every caller: never mutate them (see DeferredCache).
 */
import type { CacheKey, KeyPrefix } from './cacheKey.ts';
import { CacheKeyError } from './cacheKey.ts';
import type { CacheStats } from './cacheStats.ts';
import type { DeferredCache } from './deferredCache.ts';

export interface CachedFunction<A extends CacheKey, V> {
  (...args: A): Promise<V>;
  /** The cache's name in its registry. */
  readonly cacheName: string;
  /** The cache itself (shared with list lookups built on this function). */
  readonly cache: DeferredCache<A, V>;
  /** A snapshot of the cache's counters. */
  readonly stats: CacheStats;
  /** Drops the entry for these arguments (finished or in flight). */
  readonly invalidate: (key: A) => void;
  /** Drops every entry. */
  readonly invalidateAll: () => void;
  /** Stores a known value for these arguments; it wins over a lookup of them still running. */
  readonly prefill: (key: A, value: V) => void;
}

export interface TreeCachedFunction<A extends CacheKey, V> extends CachedFunction<A, V> {
  /** Drops every entry whose arguments start with `prefix`: `getDevice.invalidateMany([userId])`. */
  readonly invalidateMany: (prefix: KeyPrefix<A>) => void;
}

/** `body` cached in `cache` (whose arity must be the number of key arguments). */
export function cachedFunction<A extends CacheKey, V>(
  cache: DeferredCache<A, V>,
  body: (...args: A) => V | PromiseLike<V>,
): CachedFunction<A, V> {
  return build(cache, body);
}

/** `body` cached in the tree cache `cache`, with prefix invalidation. */
export function treeCachedFunction<A extends CacheKey, V>(
  cache: DeferredCache<A, V>,
  body: (...args: A) => V | PromiseLike<V>,
): TreeCachedFunction<A, V> {
  if (!cache.tree) throw new TypeError(`cache ${cache.name} is not a tree cache`);
  return build(cache, body);
}

function build<A extends CacheKey, V>(
  cache: DeferredCache<A, V>,
  body: (...args: A) => V | PromiseLike<V>,
): TreeCachedFunction<A, V> {
  const arity = cache.arity;
  const call = (...args: A): Promise<V> =>
    args.length === arity
      ? cache.getOrLoad(args, body)
      : Promise.reject(
          new CacheKeyError(
            `${cache.name} takes ${arity} key argument(s), got ${args.length}` +
              (args.length > arity
                ? arity === 0
                  ? ' (if its body is a wrapper with rest parameters, declare the cache with `arity`)'
                  : ' (pass arguments explicitly, not as a map/forEach callback)'
                : ''),
          ),
        );
  Object.defineProperty(call, 'name', { value: cache.name });
  const controls: PropertyDescriptorMap = {
    cacheName: { value: cache.name, enumerable: true },
    cache: { value: cache, enumerable: true },
    stats: { get: () => cache.stats, enumerable: true },
    invalidate: { value: (key: A) => cache.invalidate(key), enumerable: true },
    invalidateAll: { value: () => cache.invalidateAll(), enumerable: true },
    prefill: { value: (key: A, value: V) => cache.prefill(key, value), enumerable: true },
  };
  if (cache.tree) {
    controls.invalidateMany = { value: (prefix: KeyPrefix<A>) => cache.invalidateMany(prefix), enumerable: true };
  }
  return Object.defineProperties(call, controls) as TreeCachedFunction<A, V>;
}
