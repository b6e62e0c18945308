/** LRU bounds and order, the tuple-keyed trie beneath it, and eviction as seen through a cached read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../../../../core/storage/cache/lruCache.ts';
import { TupleKeyMap } from '../../../../core/storage/cache/tupleKeyMap.ts';
import { CacheRegistry } from '../../../../core/storage/cache/cacheRegistry.ts';

test('the least recently used entry is evicted first, and the bound holds', () => {
  const evicted: string[] = [];
  const lru = new LruCache<[string], number>({ arity: 1, maxEntries: 3, onEvict: ([key]) => evicted.push(key) });
  for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) {
    lru.set([key], i);
    assert.ok(lru.size <= 3);
  }
  assert.deepEqual(evicted, ['a', 'b']);
  assert.deepEqual(lru.keys(), [['c'], ['d'], ['e']]);
  assert.equal(lru.get(['a']), undefined);
  assert.equal(lru.get(['c']), 2);
});

test('a read refreshes recency; peek does not; a rewrite does', () => {
  const lru = new LruCache<[string], number>({ arity: 1, maxEntries: 3 });
  lru.set(['a'], 1);
  lru.set(['b'], 2);
  lru.set(['c'], 3);
  assert.equal(lru.get(['a']), 1); // a becomes the newest
  assert.deepEqual(lru.keys(), [['b'], ['c'], ['a']]);
  assert.equal(lru.peek(['b']), 2); // b stays the oldest
  lru.set(['d'], 4);
  assert.deepEqual(lru.keys(), [['c'], ['a'], ['d']]);
  lru.set(['c'], 30); // rewriting c makes it the newest
  lru.set(['e'], 5);
  assert.deepEqual(lru.keys(), [['d'], ['c'], ['e']]);
  assert.equal(lru.get(['c']), 30);
});

test('tree keys count leaf entries toward maxEntries', () => {
  const lru = new LruCache<[string, string], string>({ arity: 2, maxEntries: 3 });
  lru.set(['u1', 'd1'], 'x');
  lru.set(['u1', 'd2'], 'x');
  lru.set(['u1', 'd3'], 'x');
  lru.set(['u2', 'd1'], 'x');
  assert.equal(lru.size, 3);
  assert.deepEqual(lru.keys(), [['u1', 'd2'], ['u1', 'd3'], ['u2', 'd1']]);
  assert.equal(lru.deletePrefix(['u1']), 2);
  assert.deepEqual(lru.keys(), [['u2', 'd1']]);
  assert.equal(lru.deletePrefix(['nobody']), 0);
});

test('sizeOf and maxSize bound the total size', () => {
  const evicted: string[] = [];
  const lru = new LruCache<[string], string[]>({
    arity: 1,
    maxEntries: 100,
    maxSize: 5,
    sizeOf: (users) => users.length,
    onEvict: ([roomId]) => evicted.push(roomId),
  });
  lru.set(['!a'], ['1', '2']);
  lru.set(['!b'], ['1', '2']);
  assert.equal(lru.totalSize, 4);
  lru.set(['!c'], ['1', '2']);
  assert.deepEqual(evicted, ['!a']);
  assert.equal(lru.totalSize, 4);
  lru.set(['!b'], ['1']); // shrinking an entry updates the total
  assert.equal(lru.totalSize, 3);
  lru.set(['!huge'], ['1', '2', '3', '4', '5', '6']); // larger than the bound alone: not kept
  assert.equal(lru.has(['!huge']), false);
  assert.equal(lru.size, 0);
  assert.equal(lru.totalSize, 0);
});

test('maxEntries 0 keeps nothing; bad bounds are refused', () => {
  const lru = new LruCache<[string], number>({ arity: 1, maxEntries: 0 });
  lru.set(['a'], 1);
  assert.equal(lru.size, 0);
  assert.throws(() => new LruCache({ arity: 1, maxEntries: -1 }), RangeError);
  assert.throws(() => new LruCache({ arity: 1, maxEntries: 1.5 }), RangeError);
  const badSize = new LruCache<[string], number>({ arity: 1, maxEntries: 1, sizeOf: () => NaN });
  assert.throws(() => badSize.set(['a'], 1), RangeError);
});

test('delete and clear keep the list and the totals consistent', () => {
  const lru = new LruCache<[number], number>({ arity: 1, maxEntries: 10 });
  for (let i = 0; i < 5; i++) lru.set([i], i);
  assert.equal(lru.delete([2]), true);
  assert.equal(lru.delete([2]), false);
  assert.equal(lru.delete([0]), true); // the oldest
  assert.equal(lru.delete([4]), true); // the newest
  assert.deepEqual(lru.keys(), [[1], [3]]);
  assert.equal(lru.totalSize, 2);
  assert.equal(lru.clear(), 2);
  assert.deepEqual(lru.keys(), []);
  lru.set([7], 7);
  assert.deepEqual(lru.keys(), [[7]]);
});

test('a stored key is a copy: mutating the caller\'s array does not move the entry', () => {
  const lru = new LruCache<string[], number>({ arity: 2, maxEntries: 10 });
  const key = ['u1', 'd1'];
  lru.set(key, 1);
  key[1] = 'd2';
  assert.equal(lru.get(['u1', 'd1']), 1);
  assert.deepEqual(lru.keys(), [['u1', 'd1']]);
});

test('TupleKeyMap prunes empty branches and removes by prefix', () => {
  const map = new TupleKeyMap<[string, string, number], string>(3);
  map.set(['a', 'x', 1], 'ax1');
  map.set(['a', 'x', 2], 'ax2');
  map.set(['a', 'y', 1], 'ay1');
  map.set(['b', 'x', 1], 'bx1');
  assert.equal(map.size, 4);
  assert.deepEqual(map.deletePrefix(['a', 'x']).sort(), ['ax1', 'ax2']);
  assert.equal(map.size, 2);
  assert.equal(map.delete(['a', 'y', 1]), 'ay1');
  assert.equal(map.get(['a', 'y', 1]), undefined);
  assert.deepEqual(map.deletePrefix(['a']), [], 'the a branch was pruned away');
  assert.deepEqual(map.values(), ['bx1']);
  assert.throws(() => map.deletePrefix(['b', 'x', 1, 0] as never), TypeError);
  assert.deepEqual(map.deletePrefix([]), ['bx1']);
  assert.equal(map.size, 0);

  const single = new TupleKeyMap<[], string>(0);
  single.set([], 'only');
  assert.equal(single.get([]), 'only');
  assert.equal(single.size, 1);
});

test('a cached read evicts its least recently used entry, and a hit refreshes recency', async () => {
  const caches = new CacheRegistry();
  const runs: string[] = [];
  const getRoomName = caches.cached({ name: 'getRoomName', maxEntries: 2 }, (roomId: string) => {
    runs.push(roomId);
    return `name of ${roomId}`;
  });
  await getRoomName('!a');
  await getRoomName('!b');
  await getRoomName('!a'); // hit: !a is now the most recent
  await getRoomName('!c'); // evicts !b
  assert.deepEqual(getRoomName.cache.cachedKeys(), [['!a'], ['!c']]);
  assert.equal(getRoomName.stats.evictions, 1);
  await getRoomName('!a');
  assert.deepEqual(runs, ['!a', '!b', '!c']);
  await getRoomName('!b');
  assert.deepEqual(runs, ['!a', '!b', '!c', '!b']);
  assert.deepEqual(getRoomName.cache.cachedKeys(), [['!a'], ['!b']]);
  assert.equal(getRoomName.stats.size, 2);
  assert.equal(getRoomName.stats.evictions, 2);
});

test('a tree cached read bounds its leaf entries', async () => {
  const caches = new CacheRegistry();
  const getDevice = caches.cached({ name: 'getDevice', maxEntries: 3, tree: true }, (u: string, d: string) => u + d);
  for (const [u, d] of [['u1', 'd1'], ['u1', 'd2'], ['u2', 'd1'], ['u2', 'd2'], ['u3', 'd1']] as const) await getDevice(u, d);
  assert.equal(getDevice.stats.size, 3);
  assert.deepEqual(getDevice.cache.cachedKeys(), [['u2', 'd1'], ['u2', 'd2'], ['u3', 'd1']]);
});
