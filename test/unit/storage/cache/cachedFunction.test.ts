/**
 * Cached reads (SEED-BEHAVIOURS.md §7): the named cases of the seed, plus the semantics around them (prefill
 * against a running lookup, invalidation during the body, keys, arity).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheRegistry } from '../../../../core/storage/cache/cacheRegistry.ts';
import { CacheKeyError } from '../../../../core/storage/cache/cacheKey.ts';
import { deferred, settle } from './deferred.ts';

/**
 * `body`, recording the arguments of every run in `runs`. The wrapper keeps `body`'s `length`, which is how a
 * cached read learns its number of key arguments (see the test of wrappers and `arity` below).
 */
function countRuns<A extends unknown[], R>(runs: unknown[][], body: (...args: A) => R): (...args: A) => R {
  const wrapper = (...args: A): R => {
    runs.push(args);
    return body(...args);
  };
  return Object.defineProperty(wrapper, 'length', { value: body.length });
}

test('hit after completion is awaitable and resolves immediately', async () => {
  const caches = new CacheRegistry();
  for (const kind of ['async', 'sync'] as const) {
    const runs: unknown[][] = [];
    const body = countRuns(runs, (roomId: string) => (kind === 'async' ? Promise.resolve([`@a:${roomId}`]) : [`@a:${roomId}`]));
    const getUsers = caches.cached({ name: `getUsers-${kind}`, maxEntries: 10 }, body);
    assert.deepEqual(await getUsers('!r'), ['@a:!r']);

    const hit = getUsers('!r');
    assert.ok(hit instanceof Promise, `${kind}: a hit is a Promise`);
    let seen: readonly string[] | undefined;
    void hit.then((value) => {
      seen = value;
    });
    await null; // one microtask turn: an already-resolved promise has delivered by now
    assert.deepEqual(seen, ['@a:!r'], `${kind}: the hit resolved within one microtask`);
    assert.deepEqual(await hit, ['@a:!r']);
    assert.equal(runs.length, 1, `${kind}: the body ran once`);
    assert.equal(getUsers.stats.hits, 1);
    assert.equal(getUsers.stats.misses, 1);
  }
});

test('prefill then call returns the value without running the body', async () => {
  const caches = new CacheRegistry();
  const runs: unknown[][] = [];
  const body = countRuns(runs, async (roomId: string) => [`$from-db-${roomId}`]);
  const getLatestEventIds = caches.cached({ name: 'getLatestEventIds', maxEntries: 10 }, body);
  getLatestEventIds.prefill(['!r'], ['$new']);
  const answer = getLatestEventIds('!r');
  assert.ok(answer instanceof Promise);
  assert.deepEqual(await answer, ['$new']);
  assert.equal(runs.length, 0);

  // A prefill replaces a finished entry too.
  assert.deepEqual(await getLatestEventIds('!s'), ['$from-db-!s']);
  getLatestEventIds.prefill(['!s'], ['$newer']);
  assert.deepEqual(await getLatestEventIds('!s'), ['$newer']);
  assert.equal(runs.length, 1);
});

test('two concurrent calls run the body once', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<string>();
  const runs: unknown[][] = [];
  const body = countRuns(runs, (_eventId: string) => gate.promise);
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 10 }, body);
  const first = getEvent('$e');
  const second = getEvent('$e');
  assert.ok(first instanceof Promise && second instanceof Promise);
  assert.equal(first, second, 'the second caller shares the running lookup');
  assert.equal(getEvent.stats.inFlight, 1);
  gate.resolve('event');
  assert.deepEqual(await Promise.all([first, second]), ['event', 'event']);
  assert.equal(runs.length, 1);
  assert.equal(await getEvent('$e'), 'event');
  assert.equal(runs.length, 1);
  assert.equal(getEvent.stats.inFlight, 0);
});

test('invalidation while pending discards the stale result', async () => {
  const caches = new CacheRegistry();
  const gates = [deferred<string>(), deferred<string>()];
  const runs: unknown[][] = [];
  const body = countRuns(runs, (_roomId: string) => gates[runs.length - 1]!.promise);
  const getName = caches.cached({ name: 'getRoomName', maxEntries: 10 }, body);

  const stale = getName('!r');
  getName.invalidate(['!r']);
  gates[0]!.resolve('old name');
  assert.equal(await stale, 'old name', 'a caller already waiting still gets its result');
  assert.equal(getName.cache.isCached(['!r']), false, 'the stale result was not cached');

  const fresh = getName('!r');
  assert.equal(runs.length, 2, 'the next call runs the body again');
  gates[1]!.resolve('new name');
  assert.equal(await fresh, 'new name');
  assert.equal(await getName('!r'), 'new name');
  assert.equal(runs.length, 2);
});

test('invalidation while pending: a newer lookup is not overwritten by the older one finishing last', async () => {
  const caches = new CacheRegistry();
  const gates = [deferred<string>(), deferred<string>()];
  const runs: unknown[][] = [];
  const body = countRuns(runs, (_roomId: string) => gates[runs.length - 1]!.promise);
  const getName = caches.cached({ name: 'getRoomName', maxEntries: 10 }, body);
  const older = getName('!r');
  getName.invalidateAll();
  const newer = getName('!r');
  gates[1]!.resolve('new');
  assert.equal(await newer, 'new');
  gates[0]!.resolve('old');
  assert.equal(await older, 'old');
  assert.equal(await getName('!r'), 'new');
  assert.equal(runs.length, 2);
});

test('an invalidation during the synchronous part of the body keeps its result out of the cache', async () => {
  const caches = new CacheRegistry();
  let runs = 0;
  const getCount: { invalidate(key: [string]): void } & ((roomId: string) => Promise<number>) = caches.cached(
    { name: 'getCount', maxEntries: 10 },
    (roomId: string) => {
      runs++;
      if (runs === 1) getCount.invalidate([roomId]); // e.g. the query notices a concurrent write
      return runs;
    },
  );
  assert.equal(await getCount('!r'), 1);
  assert.equal(await getCount('!r'), 2);
  assert.equal(await getCount('!r'), 2);
});

test('a thrown error leaves nothing cached', async (t) => {
  await t.test('sync throw', async () => {
    const caches = new CacheRegistry();
    let fail = true;
    const runs: unknown[][] = [];
    const body = countRuns(runs, (userId: string) => {
      if (fail) throw new Error(`no profile for ${userId}`);
      return { displayname: 'Alice' };
    });
    const getProfile = caches.cached({ name: 'getProfile', maxEntries: 10 }, body);
    const failed = getProfile('@a:hs');
    assert.ok(failed instanceof Promise, 'a sync throw becomes a rejected promise');
    await assert.rejects(failed, /no profile for @a:hs/);
    assert.equal(getProfile.stats.size, 0);
    assert.equal(getProfile.stats.inFlight, 0);
    fail = false;
    assert.deepEqual(await getProfile('@a:hs'), { displayname: 'Alice' });
    assert.deepEqual(await getProfile('@a:hs'), { displayname: 'Alice' });
    assert.equal(runs.length, 2, 'retried once after the error, then cached');
  });

  await t.test('async rejection, shared by every waiting caller', async () => {
    const caches = new CacheRegistry();
    const gate = deferred<string>();
    let fail = true;
    const runs: unknown[][] = [];
    const body = countRuns(runs, (_serverName: string) => (fail ? gate.promise : Promise.resolve('key')));
    const getServerKey = caches.cached({ name: 'getServerKey', maxEntries: 10 }, body);
    const first = getServerKey('hs');
    const second = getServerKey('hs');
    assert.ok(first instanceof Promise);
    gate.reject(new Error('unreachable'));
    await assert.rejects(first, /unreachable/);
    await assert.rejects(second, /unreachable/);
    assert.equal(runs.length, 1);
    assert.equal(getServerKey.stats.size, 0);
    assert.equal(getServerKey.stats.inFlight, 0, 'the in-flight entry is cleared');
    fail = false;
    assert.equal(await getServerKey('hs'), 'key');
    assert.equal(await getServerKey('hs'), 'key');
    assert.equal(runs.length, 2);
  });
});

test('tree cache invalidateMany([u1]) keeps only (u2,d1)', async () => {
  const caches = new CacheRegistry();
  const runs: unknown[][] = [];
  const body = countRuns(runs, (userId: string, deviceId: string) => `${userId}/${deviceId}`);
  const getDevice = caches.cached({ name: 'getDevice', maxEntries: 100, tree: true }, body);
  await getDevice('u1', 'd1');
  await getDevice('u1', 'd2');
  await getDevice('u2', 'd1');
  assert.equal(getDevice.stats.size, 3);

  getDevice.invalidateMany(['u1']);
  assert.deepEqual(getDevice.cache.cachedKeys(), [['u2', 'd1']]);
  assert.equal(getDevice.stats.size, 1);
  assert.equal(await getDevice('u2', 'd1'), 'u2/d1');
  assert.equal(runs.length, 3, '(u2,d1) is still cached');
  assert.equal(await getDevice('u1', 'd1'), 'u1/d1');
  assert.equal(runs.length, 4, '(u1,d1) was dropped');

  getDevice.invalidateMany(['u2', 'd1']); // a full key is a prefix too
  getDevice.invalidateMany([]); // the empty prefix is everything
  assert.equal(getDevice.stats.size, 0);
});

test('tree cache invalidateMany drops lookups in flight under the prefix', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<string>();
  const getDevice = caches.cached({ name: 'getDevice', maxEntries: 100, tree: true }, (_u: string, _d: string) => gate.promise);
  const pendingU1 = getDevice('u1', 'd1');
  const pendingU2 = getDevice('u2', 'd1');
  getDevice.invalidateMany(['u1']);
  gate.resolve('x');
  await Promise.all([pendingU1, pendingU2]);
  assert.deepEqual(getDevice.cache.cachedKeys(), [['u2', 'd1']]);
});

test('a non-tree cache refuses prefix invalidation', () => {
  const caches = new CacheRegistry();
  const getDevice = caches.cached({ name: 'getDevice', maxEntries: 100 }, (u: string, d: string) => u + d);
  assert.equal('invalidateMany' in getDevice, false);
  assert.throws(() => getDevice.cache.invalidateMany(['u1']), TypeError);
});

test('prefill wins over a lookup of the same key still running', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<string[]>();
  const runs: unknown[][] = [];
  const body = countRuns(runs, (_roomId: string) => gate.promise);
  const getLatestEventIds = caches.cached({ name: 'getLatestEventIds', maxEntries: 10 }, body);
  const pending = getLatestEventIds('!r');
  getLatestEventIds.prefill(['!r'], ['$persisted']);
  assert.deepEqual(await getLatestEventIds('!r'), ['$persisted'], 'new callers get the prefilled value at once');
  gate.resolve(['$read-before-the-write']);
  assert.deepEqual(await pending, ['$read-before-the-write'], 'callers of the running lookup get its own result');
  assert.deepEqual(await getLatestEventIds('!r'), ['$persisted'], 'the running lookup did not overwrite the prefill');
  assert.equal(runs.length, 1);
});

test('keys compare by value, part by part and type by type', async () => {
  const caches = new CacheRegistry();
  const runs: unknown[][] = [];
  const body = countRuns(runs, (a: string | number, b: boolean | null) => `${typeof a}:${String(a)}:${String(b)}`);
  const read = caches.cached({ name: 'read', maxEntries: 10 }, body);
  assert.equal(await read(1, null), 'number:1:null');
  assert.equal(await read('1', null), 'string:1:null');
  assert.equal(await read(1, false), 'number:1:false');
  assert.equal(runs.length, 3);
  const key = [1, null] as [number, null];
  assert.equal(await read(...key), 'number:1:null');
  assert.equal(runs.length, 3, 'a fresh tuple with equal parts hits');
  read.invalidate([1, null]);
  await read(1, null);
  assert.equal(runs.length, 4);
});

test('a cached read without arguments caches its one value', async () => {
  const caches = new CacheRegistry();
  const runs: unknown[][] = [];
  const body = countRuns(runs, () => 42);
  const getVersion = caches.cached({ name: 'getSchemaVersion', maxEntries: 1 }, body);
  assert.equal(await getVersion(), 42);
  assert.equal(await getVersion(), 42);
  assert.equal(runs.length, 1);
  getVersion.invalidate([]);
  assert.equal(await getVersion(), 42);
  assert.equal(runs.length, 2);
});

test('a call with the wrong number of arguments or an invalid key part is a rejected promise', async () => {
  const caches = new CacheRegistry();
  const runs: unknown[][] = [];
  const body = countRuns(runs, (eventId: string) => eventId.length);
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 10 }, body);
  const mapped = ['$a', '$b'].map(getEvent); // passes (item, index, array)
  for (const answer of mapped) {
    assert.ok(answer instanceof Promise);
    await assert.rejects(answer, CacheKeyError);
  }
  const untyped = getEvent as unknown as (...args: unknown[]) => Promise<number>;
  await assert.rejects(untyped(), CacheKeyError);
  await assert.rejects(untyped({ id: '$a' }), /key part 0 is a object/);
  await assert.rejects(untyped(undefined), /key part 0 is undefined/);
  assert.equal(runs.length, 0);
  assert.throws(() => getEvent.prefill([{}] as unknown as [string], 1), CacheKeyError);
});

test('every path returns a Promise', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<string>();
  let mode: 'async' | 'sync' | 'throw' | 'reject' | 'pending' = 'async';
  const read = caches.cached({ name: 'read', maxEntries: 10 }, (key: string): string | Promise<string> => {
    switch (mode) {
      case 'async':
        return Promise.resolve(key);
      case 'sync':
        return key;
      case 'throw':
        throw new Error('sync failure');
      case 'reject':
        return Promise.reject(new Error('async failure'));
      case 'pending':
        return gate.promise;
    }
  });
  const answers: [string, Promise<unknown>][] = [];
  mode = 'async';
  answers.push(['miss, async body', read('a')]);
  await answers.at(-1)![1];
  answers.push(['hit after an async body', read('a')]);
  mode = 'sync';
  answers.push(['miss, sync body', read('b')]);
  answers.push(['hit after a sync body', read('b')]);
  mode = 'throw';
  answers.push(['sync throw', read('c').catch(() => 'caught')]);
  const thrown = read('c');
  mode = 'reject';
  const rejected = read('d');
  mode = 'pending';
  const pending = read('e');
  answers.push(['in flight', pending], ['joining an in-flight lookup', read('e')]);
  read.prefill(['f'], 'f');
  answers.push(['prefilled', read('f')]);
  const wrongArity = (read as unknown as () => Promise<string>)();
  for (const [path, answer] of [...answers, ['sync throw', thrown], ['async rejection', rejected], ['wrong arity', wrongArity]] as const) {
    assert.ok(answer instanceof Promise, `${path}: instanceof Promise`);
  }
  await Promise.allSettled([thrown, rejected, wrongArity]);
  gate.resolve('e');
  await settle();
});

test('a body wrapped with rest parameters needs its arity declared', async () => {
  const caches = new CacheRegistry();
  const timed =
    <A extends unknown[], R>(body: (...args: A) => R) =>
    (...args: A): R =>
      body(...args);
  const wrapped = timed((roomId: string) => roomId);
  assert.equal(wrapped.length, 0);
  const undeclared = caches.cached({ name: 'undeclared', maxEntries: 10 }, wrapped);
  await assert.rejects(undeclared('!r'), /takes 0 key argument\(s\), got 1 .*declare the cache with `arity`/);
  const declared = caches.cached({ name: 'declared', maxEntries: 10, arity: 1 }, wrapped);
  assert.equal(await declared('!r'), '!r');
  assert.equal(declared.cache.arity, 1);
});
