/**
 * Every cache of one server, by unique name: data stores declare their cached reads through it, the health page
 * reads `snapshot()`, and the cache-invalidation stream both observes local invalidations (`onInvalidation`)
 * and applies remote ones by name (`invalidate`, which is never echoed to the listeners).
 *
 * Declaring cached reads in a data store (fields, so types are inferred from the bodies):
 * ```ts
 * abstract class DataStore {            // `caches` must be assigned before the subclass's fields run:
 *   constructor(protected readonly db: Database, protected readonly caches: CacheRegistry) {}
 * }
 * class RoomMemberStore extends DataStore {
 *   readonly getUsersInRoom = this.caches.cached({ name: 'getUsersInRoom', maxEntries: 10_000 },
 *     (roomId: string) => this.queryUsersInRoom(roomId));          // (roomId: string) => Promise<string[]>
 *   readonly getDevice = this.caches.cached({ name: 'getDevice', maxEntries: 50_000, tree: true },
 *     (userId: string, deviceId: string) => this.queryDevice(userId, deviceId));  // .invalidateMany([userId])
 *   readonly getEvent = this.caches.cached({ name: 'getEvent', maxEntries: 10_000 },
 *     (eventId: string): StoredEvent | null => this.queryEvent(eventId));
 *   readonly getEvents = this.caches.cachedList(this.getEvent, (eventIds: string[]) => this.queryEvents(eventIds));
 * }
 * ```
 * Class fields run before a constructor's own parameter properties are assigned, so `constructor(private caches)`
 * in the store itself does not work with field declarations: take `caches` from a base class (as above) or
 * assign the cached reads inside the constructor.
 *
 * Values are shared between callers and must never be mutated; in tests and development (NODE_ENV `test` or
 * `development`) they are deep-frozen by default so that a mutation throws.
 */
import type { CacheKey, CacheKeyPart, HasFixedArity } from './cacheKey.ts';
import type { CacheInvalidation, CacheInvalidationListener } from './cacheInvalidation.ts';
import type { CacheStats } from './cacheStats.ts';
import { DeferredCache, type DeferredCacheOptions } from './deferredCache.ts';
import { cachedFunction, treeCachedFunction, type CachedFunction, type TreeCachedFunction } from './cachedFunction.ts';
import { cachedListFunction, type CachedListBody, type CachedListFunction } from './cachedListFunction.ts';

export interface CacheRegistryOptions {
  /**
   * Deep-freeze cached values (plain objects and arrays) so that mutating one throws. Default: on when NODE_ENV
   * is `test` or `development`, off otherwise. A cache's own `freezeValues` option wins.
   */
  readonly freezeValues?: boolean;
}

export interface CachedFunctionOptions<A extends CacheKey, V> {
  /** Unique within the registry: the health page and the invalidation stream know the cache by it. */
  readonly name: string;
  /**
   * The number of key arguments. Default: the body's declared parameter count (`body.length`), which is right for
   * a body written with its parameters; give it when the body is a wrapper with rest parameters.
   */
  readonly arity?: A['length'];
  /** At most this many entries (leaf entries for tree caches); the least recently used are evicted first. */
  readonly maxEntries: number;
  /** Allow `invalidateMany(prefix)` over the leading arguments. Default false. */
  readonly tree?: boolean;
  /** At most this much total size, as measured by `sizeOf`. Default: unbounded. */
  readonly maxSize?: number;
  /** The size of one value for `maxSize`, e.g. `(users) => users.length`. Default 1. */
  readonly sizeOf?: (value: V) => number;
  /** Overrides the registry's `freezeValues` for this cache. */
  readonly freezeValues?: boolean;
}

/** Turns a body with optional, defaulted or rest parameters into a compile error at the declaration. */
export type FixedArityCheck<A extends CacheKey> =
  HasFixedArity<A> extends true
    ? unknown
    : { readonly 'cached reads take a fixed number of key arguments: no optional, default or rest parameters': never };

/** What the registry needs from a cache; `DeferredCache` is one. */
export interface RegisteredCache {
  readonly name: string;
  readonly stats: CacheStats;
  applyRemoteInvalidation(keyOrPrefix: CacheKey | null): void;
  setInvalidationListener(listener: CacheInvalidationListener | undefined): void;
}

export class CacheRegistry {
  readonly freezeValues: boolean;
  private readonly caches = new Map<string, RegisteredCache>();
  private readonly listeners = new Set<CacheInvalidationListener>();
  /** Calls every listener, even when one throws; the first error is rethrown after all have run. */
  private readonly fanOut: CacheInvalidationListener = (invalidation: CacheInvalidation) => {
    let failure: { error: unknown } | undefined;
    for (const listener of this.listeners) {
      try {
        listener(invalidation);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  };

  constructor(options: CacheRegistryOptions = {}) {
    const env = process.env.NODE_ENV;
    this.freezeValues = options.freezeValues ?? (env === 'test' || env === 'development');
  }

  /**
   * Declares a cached read: `body`'s parameters are the key, its (awaited) result the value. `body` may be
   * synchronous (a better-sqlite3 query) or async; callers always get a Promise.
   */
  cached<A extends CacheKey, R>(
    options: CachedFunctionOptions<A, Awaited<R>> & { readonly tree: true } & FixedArityCheck<A>,
    body: (...args: A) => R,
  ): TreeCachedFunction<A, Awaited<R>>;
  cached<A extends CacheKey, R>(
    options: CachedFunctionOptions<A, Awaited<R>> & FixedArityCheck<A>,
    body: (...args: A) => R,
  ): CachedFunction<A, Awaited<R>>;
  cached<A extends CacheKey, R>(
    options: CachedFunctionOptions<A, Awaited<R>>,
    body: (...args: A) => R,
  ): CachedFunction<A, Awaited<R>> | TreeCachedFunction<A, Awaited<R>> {
    const cache = this.createCache<A, Awaited<R>>({ ...options, arity: options.arity ?? body.length });
    const typedBody = body as unknown as (...args: A) => Awaited<R> | PromiseLike<Awaited<R>>;
    return cache.tree ? treeCachedFunction(cache, typedBody) : cachedFunction(cache, typedBody);
  }

  /**
   * Declares a list lookup over the cached read `single` (whose value type must admit null): the last argument
   * is a list of values for `single`'s last argument, and `body` fetches the ones not cached. See
   * cachedListFunction.ts.
   */
  cachedList<F extends CacheKey, I extends CacheKeyPart, V>(
    single: CachedFunction<[...F, I], V | null>,
    body: CachedListBody<F, I, V | null>,
  ): CachedListFunction<F, I, V | null> {
    if (this.caches.get(single.cacheName) !== single.cache) {
      throw new Error(`cache ${single.cacheName} is not registered in this registry`);
    }
    return cachedListFunction(single, body);
  }

  /** Creates and registers a cache (the registry's `freezeValues` applies unless the options say otherwise). */
  createCache<K extends CacheKey, V>(options: DeferredCacheOptions<V>): DeferredCache<K, V> {
    const cache = new DeferredCache<K, V>({ freezeValues: this.freezeValues, ...options });
    this.register(cache);
    return cache;
  }

  /** Adds `cache` under its name, which must not be taken. */
  register(cache: RegisteredCache): void {
    if (this.caches.has(cache.name)) throw new Error(`a cache named ${cache.name} is already registered`);
    this.caches.set(cache.name, cache);
    cache.setInvalidationListener(this.fanOut);
  }

  has(cacheName: string): boolean {
    return this.caches.has(cacheName);
  }

  /** The registered names, sorted. */
  names(): string[] {
    return [...this.caches.keys()].sort();
  }

  /** The counters of every cache, sorted by name. */
  snapshot(): CacheStats[] {
    return this.names().map((name) => this.caches.get(name)!.stats);
  }

  /**
   * Applies an invalidation received from another instance: `keyOrPrefix` is a full key, a prefix (tree caches)
   * or null for everything. Not reported to `onInvalidation` listeners, so it is never echoed back into the
   * stream. Returns false when no cache has that name (another instance may have caches this one lacks).
   */
  invalidate(cacheName: string, keyOrPrefix: CacheKey | null): boolean {
    const cache = this.caches.get(cacheName);
    if (cache === undefined) return false;
    cache.applyRemoteInvalidation(keyOrPrefix);
    return true;
  }

  /**
   * Calls `listener` after every local invalidation (`invalidate`, `invalidateMany`, `invalidateAll`) and every
   * `prefill` of any cache in the registry, synchronously, after the cache has applied it. Listeners should not
   * throw: an error reaches whoever invalidated (the other listeners still run). Returns a function that removes
   * the listener.
   */
  onInvalidation(listener: CacheInvalidationListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
