/**
 * A bounded map from key tuples to values that evicts the least recently used entry first. Reading an entry with
 * `get` (or writing it) makes it the most recently used. Bounds: `maxEntries` entries (leaf entries, whatever the
 * key length) and optionally `maxSize` units as measured by `sizeOf` (e.g. the length of a cached list).
 */
import type { CacheKey, KeyPrefix } from './cacheKey.ts';
import { TupleKeyMap } from './tupleKeyMap.ts';

export interface LruCacheOptions<K extends CacheKey, V> {
  /** How many parts every key has. */
  readonly arity: number;
  /** At most this many entries are kept (0 keeps none). */
  readonly maxEntries: number;
  /** At most this much total size is kept, as measured by `sizeOf`. Default: unbounded. */
  readonly maxSize?: number;
  /** The size of one value (default 1). Must be a finite number >= 0. */
  readonly sizeOf?: (value: V) => number;
  /** Called for each entry removed to respect the bounds (not for `delete`, `deletePrefix` or `clear`). */
  readonly onEvict?: (key: K, value: V) => void;
  /** Names the owner in error messages. */
  readonly name?: string;
}

/** One entry, linked into a list from the oldest (least recently used) to the newest. */
interface LruNode<K, V> {
  readonly key: K;
  value: V;
  size: number;
  older: LruNode<K, V> | null;
  newer: LruNode<K, V> | null;
}

export class LruCache<K extends CacheKey, V> {
  readonly maxEntries: number;
  readonly maxSize: number;
  private readonly nodes: TupleKeyMap<K, LruNode<K, V>>;
  private readonly sizeOf: ((value: V) => number) | undefined;
  private readonly onEvict: ((key: K, value: V) => void) | undefined;
  private readonly name: string;
  private oldest: LruNode<K, V> | null = null;
  private newest: LruNode<K, V> | null = null;
  private sizeSum = 0;

  constructor(options: LruCacheOptions<K, V>) {
    this.name = options.name ?? 'lru cache';
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError(`${this.name}: maxEntries must be an integer >= 0, got ${options.maxEntries}`);
    }
    const maxSize = options.maxSize ?? Infinity;
    if (!(maxSize >= 0)) throw new RangeError(`${this.name}: maxSize must be >= 0, got ${options.maxSize}`);
    this.maxEntries = options.maxEntries;
    this.maxSize = maxSize;
    this.sizeOf = options.sizeOf;
    this.onEvict = options.onEvict;
    this.nodes = new TupleKeyMap(options.arity, this.name);
  }

  /** Number of entries. */
  get size(): number {
    return this.nodes.size;
  }

  /** Sum of the entries' sizes (equals `size` without `sizeOf`). */
  get totalSize(): number {
    return this.sizeSum;
  }

  /** The value for `key`, making it the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const node = this.nodes.get(key);
    if (node === undefined) return undefined;
    if (node !== this.newest) {
      this.unlink(node);
      this.linkNewest(node);
    }
    return node.value;
  }

  /** The value for `key` without changing its recency. */
  peek(key: K): V | undefined {
    return this.nodes.get(key)?.value;
  }

  has(key: K): boolean {
    return this.nodes.get(key) !== undefined;
  }

  /** Stores `value` under `key` as the most recently used entry, then evicts to respect the bounds. */
  set(key: K, value: V): void {
    const size = this.measure(value);
    let node = this.nodes.get(key);
    if (node === undefined) {
      node = { key: [...key] as unknown as K, value, size, older: null, newer: null };
      this.nodes.set(node.key, node);
    } else {
      this.unlink(node);
      this.sizeSum -= node.size;
      node.value = value;
      node.size = size;
    }
    this.sizeSum += size;
    this.linkNewest(node);
    this.evictToBounds();
  }

  /** Removes `key`; true if it was present. */
  delete(key: K): boolean {
    const node = this.nodes.delete(key);
    if (node === undefined) return false;
    this.unlink(node);
    this.sizeSum -= node.size;
    return true;
  }

  /** Removes every entry whose key starts with `prefix`; returns how many were removed. */
  deletePrefix(prefix: KeyPrefix<K>): number {
    const removed = this.nodes.deletePrefix(prefix);
    for (const node of removed) {
      this.unlink(node);
      this.sizeSum -= node.size;
    }
    return removed.length;
  }

  /** Removes every entry; returns how many were removed. */
  clear(): number {
    const removed = this.nodes.size;
    this.nodes.clear();
    this.oldest = this.newest = null;
    this.sizeSum = 0;
    return removed;
  }

  /** The keys from the least to the most recently used. */
  keys(): K[] {
    const out: K[] = [];
    for (let node = this.oldest; node !== null; node = node.newer) out.push(node.key);
    return out;
  }

  private measure(value: V): number {
    if (this.sizeOf === undefined) return 1;
    const size = this.sizeOf(value);
    if (!(size >= 0) || size === Infinity) throw new RangeError(`${this.name}: sizeOf returned ${size}`);
    return size;
  }

  private evictToBounds(): void {
    while ((this.nodes.size > this.maxEntries || this.sizeSum > this.maxSize) && this.oldest !== null) {
      const node = this.oldest;
      this.nodes.delete(node.key);
      this.unlink(node);
      this.sizeSum -= node.size;
      this.onEvict?.(node.key, node.value);
    }
  }

  private unlink(node: LruNode<K, V>): void {
    if (node.older === null) this.oldest = node.newer;
    else node.older.newer = node.newer;
    if (node.newer === null) this.newest = node.older;
    else node.newer.older = node.older;
    node.older = node.newer = null;
  }

  private linkNewest(node: LruNode<K, V>): void {
    node.older = this.newest;
    node.newer = null;
    if (this.newest === null) this.oldest = node;
    else this.newest.newer = node;
    this.newest = node;
  }
}
