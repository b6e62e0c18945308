/**
 * A list lookup over a single-key cached read: `getEvents(eventIds)` next to `getEvent(eventId)`, sharing its
 * cache. The list argument is the last one and stands for the last key part of the single read; any arguments
 * before it are fixed key parts (`getDevices(userId, deviceIds)` over `getDevice(userId, deviceId)`).
 *
 * One call answers a Map with an entry for every requested item (in request order, duplicates once):
 * - cached items come from the cache, items whose single lookup is running join that lookup;
 * - only the remaining items are fetched, with one call of the batch body `(…fixed, missing) => Map`;
 * - items the body leaves out of its Map are answered and cached as null, so the single read must admit null.
 * While the batch runs, single lookups of its items share it. The answer is always a Promise, also when every
 * item was cached.
 */
import type { CacheKey, CacheKeyPart } from './cacheKey.ts';
import { CacheKeyError } from './cacheKey.ts';
import type { CachedFunction } from './cachedFunction.ts';
import type { DeferredCache, ListLookupBody } from './deferredCache.ts';

export interface CachedListFunction<F extends CacheKey, I extends CacheKeyPart, V> {
  (...args: [...F, items: readonly I[]]): Promise<Map<I, V>>;
  /** The single read's cache, which this list lookup reads and fills. */
  readonly cache: DeferredCache<[...F, I], V>;
}

/** The batch body of a list lookup: the fixed arguments, then the items not cached, answered as a Map. */
export type CachedListBody<F extends CacheKey, I extends CacheKeyPart, V> = (
  ...args: [...F, missing: I[]]
) => ReadonlyMap<I, V> | PromiseLike<ReadonlyMap<I, V>>;

const NO_FIXED_PARTS: CacheKey = [];

export function cachedListFunction<F extends CacheKey, I extends CacheKeyPart, V>(
  single: CachedFunction<[...F, I], V | null>,
  body: CachedListBody<F, I, V | null>,
): CachedListFunction<F, I, V | null> {
  const cache = single.cache;
  const arity = cache.arity;
  if (arity < 1) throw new TypeError(`cache ${cache.name} has no key argument to look up as a list`);
  const fixedCount = arity - 1;
  const untypedBody = body as unknown as (...args: unknown[]) => ReturnType<typeof body>;
  const call = (...args: [...F, readonly I[]]): Promise<Map<I, V | null>> => {
    if (args.length !== arity) {
      return Promise.reject(new CacheKeyError(`list lookup on ${cache.name} takes ${arity} argument(s), got ${args.length}`));
    }
    const items = args[fixedCount];
    if (!Array.isArray(items)) {
      return Promise.reject(new CacheKeyError(`list lookup on ${cache.name}: the last argument must be an array`));
    }
    const fixed = fixedCount === 0 ? NO_FIXED_PARTS : (args.slice(0, fixedCount) as CacheKeyPart[]);
    const load: ListLookupBody<I, V | null> =
      fixedCount === 0 ? untypedBody : (missing) => untypedBody(...fixed, missing);
    return cache.getMany(fixed, items as readonly I[], load, null);
  };
  Object.defineProperty(call, 'name', { value: `${cache.name}[]` });
  return Object.defineProperty(call, 'cache', { value: cache, enumerable: true }) as CachedListFunction<F, I, V | null>;
}
