/**
 * A map keyed by fixed-length tuples of primitives, compared part by part by value. Stored as nested Maps, one
 * level per key part, so a lookup is one `Map.get` per part (no string encoding of keys) and every entry under a
 * key prefix can be found and removed without scanning the whole map.
 */
import { assertCacheKey, type CacheKey, type CacheKeyPart, type KeyPrefix } from './cacheKey.ts';

type Branch = Map<CacheKeyPart, unknown>;

/** Zero-part keys are stored under one internal part, so the trie always has at least one level. */
const ZERO_ARITY_KEY: CacheKey = [null];

export class TupleKeyMap<K extends CacheKey, V> {
  /** Levels of nested Maps: the arity, or 1 for zero-part keys. */
  private readonly depth: number;
  private readonly root: Branch = new Map();
  private count = 0;

  constructor(
    /** How many parts every key has. */
    readonly arity: number,
    /** Names the owner in error messages. */
    private readonly name = 'tuple map',
  ) {
    if (!Number.isInteger(arity) || arity < 0) throw new RangeError(`${name}: arity must be an integer >= 0`);
    this.depth = Math.max(1, arity);
  }

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    if (this.depth === 1) return this.root.get(this.arity === 0 ? null : key[0]!) as V | undefined;
    let branch = this.root;
    const last = this.depth - 1;
    for (let i = 0; i < last; i++) {
      const next = branch.get(key[i]!) as Branch | undefined;
      if (next === undefined) return undefined;
      branch = next;
    }
    return branch.get(key[last]!) as V | undefined;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets `key` to `value`; `value` must not be `undefined` (it means "absent" here). */
  set(key: K, value: V): void {
    const parts = this.arity === 0 ? ZERO_ARITY_KEY : key;
    let branch = this.root;
    const last = this.depth - 1;
    for (let i = 0; i < last; i++) {
      let next = branch.get(parts[i]!) as Branch | undefined;
      if (next === undefined) {
        next = new Map();
        branch.set(parts[i]!, next);
      }
      branch = next;
    }
    if (!branch.has(parts[last]!)) this.count++;
    branch.set(parts[last]!, value);
  }

  /** Removes `key`; returns the removed value, or undefined when absent. Empty branches are pruned. */
  delete(key: K): V | undefined {
    const parts = this.arity === 0 ? ZERO_ARITY_KEY : key;
    const path: Branch[] = [];
    let branch = this.root;
    const last = this.depth - 1;
    for (let i = 0; i < last; i++) {
      const next = branch.get(parts[i]!) as Branch | undefined;
      if (next === undefined) return undefined;
      path.push(branch);
      branch = next;
    }
    const value = branch.get(parts[last]!) as V | undefined;
    if (value === undefined) return undefined;
    branch.delete(parts[last]!);
    this.count--;
    this.prune(path, branch, parts, last);
    return value;
  }

  /**
   * Removes every entry whose key starts with `prefix` (all entries for `[]`, one for a full key) and returns
   * the removed values.
   */
  deletePrefix(prefix: KeyPrefix<K>): V[] {
    assertCacheKey(prefix, this.arity, this.name, true);
    if (prefix.length === this.arity) {
      const value = this.delete(prefix as unknown as K);
      return value === undefined ? [] : [value];
    }
    if (prefix.length === 0) return this.clear();
    const path: Branch[] = [];
    let branch = this.root;
    const last = prefix.length - 1;
    for (let i = 0; i < last; i++) {
      const next = branch.get(prefix[i]!) as Branch | undefined;
      if (next === undefined) return [];
      path.push(branch);
      branch = next;
    }
    const subtree = branch.get(prefix[last]!) as Branch | undefined;
    if (subtree === undefined) return [];
    const removed: V[] = [];
    collect(subtree, this.depth - prefix.length, removed);
    branch.delete(prefix[last]!);
    this.count -= removed.length;
    this.prune(path, branch, prefix, last);
    return removed;
  }

  /** Removes every entry and returns the removed values. */
  clear(): V[] {
    const removed: V[] = [];
    collect(this.root, this.depth, removed);
    this.root.clear();
    this.count = 0;
    return removed;
  }

  /** Every value, in no particular order. */
  values(): V[] {
    const out: V[] = [];
    collect(this.root, this.depth, out);
    return out;
  }

  /** Drops branches left empty along `path` (the ancestors of `branch`, which held `parts[level]`). */
  private prune(path: Branch[], branch: Branch, parts: CacheKey, level: number): void {
    let child = branch;
    for (let i = level - 1; i >= 0 && child.size === 0; i--) {
      const parent = path[i]!;
      parent.delete(parts[i]!);
      child = parent;
    }
  }
}

/** Pushes the leaves of `branch`, which has `levels` levels of Maps (1 = its values are leaves). */
function collect<V>(branch: Branch, levels: number, out: V[]): void {
  if (levels === 1) {
    for (const value of branch.values()) out.push(value as V);
    return;
  }
  for (const child of branch.values()) collect(child as Branch, levels - 1, out);
}
