/**
 * Cache keys: the argument tuple of a cached read, e.g. `[roomId]` or `[userId, deviceId]`. Parts are primitives
 * compared by value (`Map` SameValueZero per part), so `1` and `'1'` are different keys and a fresh
 * `['@u:hs', 'DEV']` finds what an earlier call cached. `undefined`, objects and arrays are not key parts.
 */

export type CacheKeyPart = string | number | boolean | null;

export type CacheKey = readonly CacheKeyPart[];

/** Every prefix of the key tuple `K`, from `[]` to `K` itself: what a tree cache's `invalidateMany` accepts. */
export type KeyPrefix<K extends CacheKey> = K extends readonly [...infer Init extends CacheKey, unknown]
  ? K | KeyPrefix<Init>
  : K;

/** Whether the tuple `A` has a fixed length: no optional (or defaulted) elements and no rest element. */
export type HasFixedArity<A extends CacheKey> = number extends A['length'] ? false : A extends Required<A> ? true : false;

export function isCacheKeyPart(value: unknown): value is CacheKeyPart {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export class CacheKeyError extends TypeError {
  override readonly name = 'CacheKeyError';
}

/**
 * Throws a `CacheKeyError` unless `key` has exactly `length` parts (or at most `length` when `prefix`), each a
 * `CacheKeyPart`.
 */
export function assertCacheKey(
  key: readonly unknown[],
  length: number,
  cacheName: string,
  prefix = false,
): asserts key is CacheKey {
  if (!Array.isArray(key)) throw new CacheKeyError(`cache ${cacheName}: a key must be an array of key parts`);
  if (prefix ? key.length > length : key.length !== length) {
    const expected = prefix ? `at most ${length}` : `${length}`;
    throw new CacheKeyError(`cache ${cacheName}: expected ${expected} key part(s), got ${key.length}`);
  }
  for (let i = 0; i < key.length; i++) {
    if (!isCacheKeyPart(key[i])) {
      throw new CacheKeyError(
        `cache ${cacheName}: key part ${i} is ${describe(key[i])}; key parts are strings, numbers, booleans or null`,
      );
    }
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
