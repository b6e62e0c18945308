/**
 * The cache behind every cached read: finished values in an LRU, plus the lookups still running ("in flight"),
 * so that concurrent callers asking for the same key share one run of the body.
 *
 * Rules (SEED-BEHAVIOURS.md §7):
 * - Every answer is a Promise: on a miss, on a hit, on a shared in-flight lookup, and on an all-hit list lookup.
 *   A hit returns an already-resolved promise, so `await` costs one microtask and the body does not run.
 * - A result enters the LRU only if its in-flight entry is still the current one when it settles. Invalidating
 *   (or prefilling) a key while its lookup runs removes the in-flight entry: callers already waiting still get
 *   the lookup's result, but it is not cached, and the next call runs the body again. The same holds when the
 *   body itself (a)synchronously causes an invalidation of this cache before returning.
 * - Errors are never cached; the in-flight entry is cleared so the next call retries.
 * - `prefill(key, value)` wins over a lookup of the same key that is still running: the running lookup's result
 *   will not overwrite the prefilled value (its waiting callers get the lookup's own result).
 * - Values are shared between all callers and must not be mutated; with `freezeValues` they are deep-frozen
 *   (plain objects and arrays, see deepFreeze.ts) so that a mutation throws.
 */
import { assertCacheKey, type CacheKey, type CacheKeyPart, type KeyPrefix } from './cacheKey.ts';
import type { CacheInvalidation, CacheInvalidationKind, CacheInvalidationListener } from './cacheInvalidation.ts';
import type { CacheStats } from './cacheStats.ts';
import { deepFreeze } from './deepFreeze.ts';
import { LruCache } from './lruCache.ts';
import { TupleKeyMap } from './tupleKeyMap.ts';

export interface DeferredCacheOptions<V> {
  /** Unique within a registry; shown on the health page and used by the invalidation stream. */
  readonly name: string;
  /** How many parts every key has (the number of arguments of the cached read). */
  readonly arity: number;
  /** At most this many finished entries (leaf entries for tree caches); least recently used go first. */
  readonly maxEntries: number;
  /** Allow prefix invalidation (`invalidateMany`). Default false. */
  readonly tree?: boolean;
  /** At most this much total size, as measured by `sizeOf`. Default: unbounded. */
  readonly maxSize?: number;
  /** The size of one value, for `maxSize` (default 1). */
  readonly sizeOf?: (value: V) => number;
  /** Deep-freeze values (plain objects and arrays) as they enter the cache. Default false. */
  readonly freezeValues?: boolean;
}

/** A finished entry. The resolved promise handed to callers is made on the first hit and then reused. */
interface Finished<V> {
  readonly value: V;
  promise: Promise<V> | undefined;
}

interface InFlight<V> {
  readonly promise: Promise<V>;
}

/** One key of a running list lookup; its own promise is made only if a caller joins it. */
class BatchMember<I, V> implements InFlight<V> {
  private shared: Promise<V> | undefined;

  constructor(
    private readonly batch: Promise<ReadonlyMap<I, V>>,
    private readonly item: I,
  ) {}

  get promise(): Promise<V> {
    return (this.shared ??= this.batch.then((values) => values.get(this.item) as V));
  }
}

export type ListLookupBody<I, V> = (missing: I[]) => ReadonlyMap<I, V> | PromiseLike<ReadonlyMap<I, V>>;

export class DeferredCache<K extends CacheKey, V> {
  readonly name: string;
  readonly arity: number;
  readonly tree: boolean;
  private readonly finished: LruCache<K, Finished<V>>;
  private readonly inFlight: TupleKeyMap<K, InFlight<V>>;
  private readonly freezeValues: boolean;
  /** Bumped by every invalidation and prefill: a body that ran while it changed must not cache its result. */
  private epoch = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private invalidations = 0;
  private listener: CacheInvalidationListener | undefined;

  constructor(options: DeferredCacheOptions<V>) {
    this.name = options.name;
    this.arity = options.arity;
    this.tree = options.tree ?? false;
    this.freezeValues = options.freezeValues ?? false;
    const sizeOf = options.sizeOf;
    this.finished = new LruCache<K, Finished<V>>({
      name: `cache ${options.name}`,
      arity: options.arity,
      maxEntries: options.maxEntries,
      ...(options.maxSize === undefined ? {} : { maxSize: options.maxSize }),
      ...(sizeOf === undefined ? {} : { sizeOf: (entry: Finished<V>) => sizeOf(entry.value) }),
      onEvict: () => {
        this.evictions++;
      },
    });
    this.inFlight = new TupleKeyMap(options.arity, `cache ${options.name}`);
  }

  /**
   * The value for `key`: from the cache, from a lookup already running, or by running `body(...key)`. `body` may
   * return the value or a promise of it; either way the caller gets a Promise. The key must be owned by the
   * caller's call (it is stored; pass a fresh array, e.g. the rest arguments).
   */
  getOrLoad(key: K, body: (...key: K) => V | PromiseLike<V>): Promise<V> {
    const done = this.finished.get(key);
    if (done !== undefined) {
      this.hits++;
      return (done.promise ??= Promise.resolve(done.value));
    }
    const running = this.inFlight.get(key);
    if (running !== undefined) {
      this.hits++;
      return running.promise;
    }
    return this.load(key, body);
  }

  /**
   * A list lookup: the values for keys `[...fixed, item]` for each of `items`, as a Map in the order of `items`
   * (duplicates once). Cached keys come from the cache, keys being looked up join those lookups, and only the
   * rest are fetched, with one call `load(missing)`. Keys that `load` leaves out of its Map (or maps to
   * undefined) get `absent` and are cached with it.
   */
  getMany<I extends CacheKeyPart>(
    fixed: CacheKey,
    items: readonly I[],
    load: ListLookupBody<I, V>,
    absent: V,
  ): Promise<Map<I, V>> {
    const found = new Map<I, V>();
    let pending: Set<I> | undefined;
    let joined: [I, Promise<V>][] | undefined;
    let missing: I[] | undefined;
    // One scratch key for the lookups (they do not keep it); stored keys get their own array in loadMany.
    const key = [...fixed, null] as CacheKeyPart[] as unknown as K;
    const last = fixed.length;
    for (const item of items) {
      // A repeated hit just sets the same entry again (a Map keeps the first position); only pending items need
      // de-duplicating, so that a key is fetched or joined once.
      if (pending?.has(item)) continue;
      (key as unknown as CacheKeyPart[])[last] = item;
      const done = this.finished.get(key);
      if (done !== undefined) {
        this.hits++;
        found.set(item, done.value);
        continue;
      }
      (pending ??= new Set()).add(item);
      const running = this.inFlight.get(key);
      if (running !== undefined) {
        this.hits++;
        (joined ??= []).push([item, running.promise]);
      } else {
        (missing ??= []).push(item);
      }
    }
    if (pending === undefined) return Promise.resolve(found);

    const waits: Promise<void>[] = [];
    if (missing !== undefined) {
      let loading: Promise<void> | undefined;
      try {
        loading = this.loadMany(fixed, missing, load, absent, found);
      } catch (error) {
        waits.push(Promise.reject(error));
      }
      if (loading !== undefined) waits.push(loading);
    }
    for (const [item, promise] of joined ?? []) {
      waits.push(
        promise.then((value) => {
          found.set(item, value);
        }),
      );
    }
    return Promise.all(waits).then(() => {
      const ordered = new Map<I, V>();
      for (const item of items) if (!ordered.has(item)) ordered.set(item, found.get(item) as V);
      return ordered;
    });
  }

  /**
   * Writes a known value for `key` (e.g. after persisting events). A lookup of `key` still running will not
   * overwrite it; callers already waiting on that lookup get its result, later callers get `value`.
   * Listeners see it as an invalidation of `key` (other instances must drop their copy).
   */
  prefill(key: K, value: V): void {
    assertCacheKey(key, this.arity, this.name);
    const admitted = this.admit(value);
    this.epoch++;
    this.inFlight.delete(key);
    this.finished.set(key, { value: admitted, promise: undefined });
    this.notify('key', key);
  }

  /** Drops `key` (finished or in flight). */
  invalidate(key: K): void {
    assertCacheKey(key, this.arity, this.name);
    this.remove('key', key);
    this.notify('key', key);
  }

  /** Drops every key that starts with `prefix` (tree caches only): `invalidateMany([userId])`. */
  invalidateMany(prefix: KeyPrefix<K>): void {
    if (!this.tree) throw new TypeError(`cache ${this.name} is not a tree cache: invalidateMany needs tree: true`);
    assertCacheKey(prefix, this.arity, this.name, true);
    this.remove('prefix', prefix);
    this.notify('prefix', prefix);
  }

  /** Drops everything, including lookups in flight (their results will not be cached). */
  invalidateAll(): void {
    this.remove('all', null);
    this.notify('all', null);
  }

  /**
   * Applies an invalidation that happened elsewhere (another instance, via the cache-invalidation stream):
   * a full key, a prefix (tree caches), or null for all. Never reported to the invalidation listener, so it
   * cannot echo back into the stream.
   */
  applyRemoteInvalidation(keyOrPrefix: CacheKey | null): void {
    if (keyOrPrefix === null) return this.remove('all', null);
    assertCacheKey(keyOrPrefix, this.arity, this.name, true);
    if (keyOrPrefix.length === this.arity) return this.remove('key', keyOrPrefix);
    if (!this.tree) {
      throw new TypeError(`cache ${this.name} is not a tree cache: cannot invalidate by the prefix of a key`);
    }
    this.remove('prefix', keyOrPrefix);
  }

  /** Whether a finished value is cached for `key` (does not count as a hit nor change recency). */
  isCached(key: K): boolean {
    return this.finished.has(key);
  }

  /** The cached keys, from the least to the most recently used. */
  cachedKeys(): K[] {
    return this.finished.keys();
  }

  get stats(): CacheStats {
    return {
      name: this.name,
      tree: this.tree,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      invalidations: this.invalidations,
      size: this.finished.size,
      totalSize: this.finished.totalSize,
      inFlight: this.inFlight.size,
      maxEntries: this.finished.maxEntries,
      maxSize: this.finished.maxSize === Infinity ? null : this.finished.maxSize,
    };
  }

  /** Reports every local invalidation (and prefill) to `listener`; one listener per cache (the registry). */
  setInvalidationListener(listener: CacheInvalidationListener | undefined): void {
    this.listener = listener;
  }

  private load(key: K, body: (...key: K) => V | PromiseLike<V>): Promise<V> {
    this.misses++;
    const epoch = this.epoch;
    let result: V | PromiseLike<V>;
    try {
      assertCacheKey(key, this.arity, this.name);
      result = body(...key);
      if (!isPromiseLike(result)) {
        const value = this.admit(result);
        const promise = Promise.resolve(value);
        if (epoch === this.epoch) this.finished.set(key, { value, promise });
        return promise;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    // Settle our bookkeeping before any caller resumes: once a caller's await returns, the value is cached.
    let entry: InFlight<V> | undefined;
    const promise = Promise.resolve(result).then(
      (value) => {
        const current = entry !== undefined && this.inFlight.get(key) === entry;
        if (current) this.inFlight.delete(key);
        const admitted = this.admit(value);
        if (current) this.finished.set(key, { value: admitted, promise });
        return admitted;
      },
      (error: unknown) => {
        if (entry !== undefined && this.inFlight.get(key) === entry) this.inFlight.delete(key);
        throw error;
      },
    );
    if (epoch === this.epoch) {
      entry = { promise };
      this.inFlight.set(key, entry);
    }
    return promise;
  }

  /** Fetches `missing` with one call of `load`, filling `found`; undefined when `load` answered synchronously. */
  private loadMany<I extends CacheKeyPart>(
    fixed: CacheKey,
    missing: I[],
    load: ListLookupBody<I, V>,
    absent: V,
    found: Map<I, V>,
  ): Promise<void> | undefined {
    this.misses += missing.length;
    const keys = missing.map((item) => keyWith(fixed, item) as K);
    for (const key of keys) assertCacheKey(key, this.arity, this.name);
    const epoch = this.epoch;
    const result = load(missing.slice());
    if (!isPromiseLike(result)) {
      const values = this.valuesOf(result, missing, absent);
      for (let i = 0; i < missing.length; i++) {
        const value = values.get(missing[i]!) as V;
        if (epoch === this.epoch) this.finished.set(keys[i]!, { value, promise: undefined });
        found.set(missing[i]!, value);
      }
      return undefined;
    }
    const members: (BatchMember<I, V> | undefined)[] = [];
    /** Removes the batch's members that are still the in-flight entries of their keys; says which were. */
    const clearCurrent = (): boolean[] =>
      keys.map((key, i) => {
        const member = members[i];
        const current = member !== undefined && this.inFlight.get(key) === member;
        if (current) this.inFlight.delete(key);
        return current;
      });
    const settled = Promise.resolve(result).then(
      (map) => {
        const current = clearCurrent();
        const values = this.valuesOf(map, missing, absent);
        for (let i = 0; i < missing.length; i++) {
          if (current[i]) this.finished.set(keys[i]!, { value: values.get(missing[i]!) as V, promise: undefined });
        }
        return values;
      },
      (error: unknown) => {
        clearCurrent();
        throw error;
      },
    );
    if (epoch === this.epoch) {
      for (let i = 0; i < missing.length; i++) {
        const member = new BatchMember<I, V>(settled, missing[i]!);
        members.push(member);
        this.inFlight.set(keys[i]!, member);
      }
    }
    return settled.then((values) => {
      for (const item of missing) found.set(item, values.get(item) as V);
    });
  }

  /** The admitted value of every `missing` item in a list body's answer (`absent` when left out). */
  private valuesOf<I>(answer: ReadonlyMap<I, V>, missing: readonly I[], absent: V): Map<I, V> {
    if (!(answer instanceof Map)) {
      throw new TypeError(`cache ${this.name}: a list lookup body must return a Map (or a promise of one)`);
    }
    const values = new Map<I, V>();
    for (const item of missing) {
      const value = answer.get(item) as V | undefined;
      values.set(item, this.admit(value === undefined ? absent : value));
    }
    return values;
  }

  private admit(value: V): V {
    return this.freezeValues ? deepFreeze(value) : value;
  }

  private remove(kind: CacheInvalidationKind, key: CacheKey | null): void {
    this.epoch++;
    this.invalidations++;
    if (kind === 'all') {
      this.finished.clear();
      this.inFlight.clear();
    } else if (kind === 'key') {
      this.finished.delete(key as K);
      this.inFlight.delete(key as K);
    } else {
      this.finished.deletePrefix(key as KeyPrefix<K>);
      this.inFlight.deletePrefix(key as KeyPrefix<K>);
    }
  }

  private notify(kind: CacheInvalidationKind, key: CacheKey | null): void {
    if (this.listener === undefined) return;
    const invalidation: CacheInvalidation = { cacheName: this.name, kind, key: key === null ? null : [...key] };
    this.listener(invalidation);
  }
}

function keyWith(fixed: CacheKey, item: CacheKeyPart): CacheKey {
  return fixed.length === 0 ? [item] : [...fixed, item];
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
