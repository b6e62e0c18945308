/** List lookups over a single-key cached read: only missing keys are fetched, and lookups are shared both ways. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheRegistry } from '../../../../core/storage/cache/cacheRegistry.ts';
import { deferred, settle } from './deferred.ts';

interface StoredEvent {
  readonly eventId: number;
}

/** A `getEvent` / `getEvents` pair over a fake table, recording every single and batch fetch. */
function eventReads(rows: readonly number[] = [10, 20, 30, 40]) {
  const caches = new CacheRegistry();
  const singleFetches: number[] = [];
  const batchFetches: number[][] = [];
  const table = new Set(rows);
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 100 }, (eventId: number): StoredEvent | null => {
    singleFetches.push(eventId);
    return table.has(eventId) ? { eventId } : null;
  });
  const getEvents = caches.cachedList(getEvent, (eventIds: number[]) => {
    batchFetches.push(eventIds);
    return new Map(eventIds.filter((id) => table.has(id)).map((id) => [id, { eventId: id }]));
  });
  return { caches, getEvent, getEvents, singleFetches, batchFetches };
}

test('list lookups [10,20] then [20,30] run the body for [30] only', async () => {
  const { getEvents, getEvent, batchFetches, singleFetches } = eventReads();
  const first = await getEvents([10, 20]);
  assert.deepEqual([...first], [[10, { eventId: 10 }], [20, { eventId: 20 }]]);
  const second = await getEvents([20, 30]);
  assert.deepEqual([...second], [[20, { eventId: 20 }], [30, { eventId: 30 }]]);
  assert.deepEqual(batchFetches, [[10, 20], [30]]);
  assert.deepEqual(await getEvent(30), { eventId: 30 }, 'the list lookup filled the single read\'s cache');
  assert.deepEqual(singleFetches, []);
  assert.equal(getEvent.stats.hits, 2);
  assert.equal(getEvent.stats.misses, 3);
});

test('a list lookup caches keys absent from the body\'s answer as null', async () => {
  const { getEvents, getEvent, batchFetches, singleFetches } = eventReads([10]);
  const answer = await getEvents([10, 99]);
  assert.deepEqual([...answer], [[10, { eventId: 10 }], [99, null]]);
  assert.equal(getEvent.cache.isCached([99]), true);
  assert.equal(await getEvent(99), null);
  assert.deepEqual([...(await getEvents([99]))], [[99, null]]);
  assert.deepEqual(batchFetches, [[10, 99]]);
  assert.deepEqual(singleFetches, []);
});

test('a list lookup shares an in-flight single lookup of the same key', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<string | null>();
  const singles: string[] = [];
  const batches: string[][] = [];
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 100 }, (eventId: string) => {
    singles.push(eventId);
    return gate.promise;
  });
  const getEvents = caches.cachedList(getEvent, async (eventIds: string[]) => {
    batches.push(eventIds);
    return new Map(eventIds.map((id) => [id, `event ${id}`]));
  });
  const single = getEvent('$b');
  const list = getEvents(['$a', '$b']);
  assert.ok(list instanceof Promise);
  await settle();
  assert.deepEqual(batches, [['$a']], 'the batch body fetched only the key not already being looked up');
  gate.resolve('event $b (single)');
  assert.deepEqual([...(await list)], [['$a', 'event $a'], ['$b', 'event $b (single)']]);
  assert.equal(await single, 'event $b (single)');
  assert.deepEqual(singles, ['$b']);
});

test('a single lookup shares an in-flight list lookup of the same key', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<Map<string, string>>();
  const singles: string[] = [];
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 100 }, (eventId: string): string | null => {
    singles.push(eventId);
    return `event ${eventId} (single)`;
  });
  const getEvents = caches.cachedList(getEvent, (_eventIds: string[]) => gate.promise);
  const list = getEvents(['$a', '$b', '$c']);
  assert.equal(getEvent.stats.inFlight, 3);
  const single = getEvent('$b');
  const again = getEvents(['$c']);
  gate.resolve(new Map([['$a', 'event $a'], ['$b', 'event $b']]));
  assert.equal(await single, 'event $b');
  assert.deepEqual([...(await again)], [['$c', null]]);
  assert.deepEqual([...(await list)], [['$a', 'event $a'], ['$b', 'event $b'], ['$c', null]]);
  assert.deepEqual(singles, []);
  assert.equal(getEvent.stats.inFlight, 0);
  assert.equal(getEvent.stats.size, 3);
});

test('a list lookup answers in request order, once per key, and always with a Promise', async () => {
  const { getEvents, batchFetches } = eventReads();
  const empty = getEvents([]);
  assert.ok(empty instanceof Promise);
  assert.equal((await empty).size, 0);
  const partial = getEvents([30, 10, 30, 20, 10]);
  assert.ok(partial instanceof Promise);
  assert.deepEqual([...(await partial).keys()], [30, 10, 20]);
  assert.deepEqual(batchFetches, [[30, 10, 20]]);
  const mixed = getEvents([40, 20, 10]);
  assert.deepEqual([...(await mixed).keys()], [40, 20, 10], 'hits and fetched keys interleave in request order');
  const allHit = getEvents([20, 10, 40]);
  assert.ok(allHit instanceof Promise, 'an all-hit list lookup is a Promise');
  assert.deepEqual([...(await allHit).keys()], [20, 10, 40]);
  assert.deepEqual([...(await getEvents([20, 10, 20])).keys()], [20, 10], 'an all-hit lookup lists a repeated key once');
  assert.deepEqual(batchFetches, [[30, 10, 20], [40]]);
  const wrong = (getEvents as unknown as (ids: unknown) => Promise<unknown>)('not a list');
  assert.ok(wrong instanceof Promise);
  await assert.rejects(wrong, /must be an array/);
});

test('a list lookup with fixed leading arguments over a tree cache', async () => {
  const caches = new CacheRegistry();
  const batches: [string, string[]][] = [];
  const getDevice = caches.cached(
    { name: 'getDevice', maxEntries: 100, tree: true },
    (userId: string, deviceId: string): { userId: string; deviceId: string } | null => ({ userId, deviceId }),
  );
  const getDevices = caches.cachedList(getDevice, async (userId: string, deviceIds: string[]) => {
    batches.push([userId, deviceIds]);
    return new Map(deviceIds.filter((d) => d !== 'GONE').map((deviceId) => [deviceId, { userId, deviceId }]));
  });
  await getDevices('@a:hs', ['D1', 'D2', 'GONE']);
  await getDevices('@b:hs', ['D1']);
  await getDevices('@a:hs', ['D1', 'D3']);
  assert.deepEqual(batches, [['@a:hs', ['D1', 'D2', 'GONE']], ['@b:hs', ['D1']], ['@a:hs', ['D3']]]);
  assert.equal(await getDevice('@a:hs', 'GONE'), null);
  getDevice.invalidateMany(['@a:hs']);
  assert.deepEqual(getDevice.cache.cachedKeys(), [['@b:hs', 'D1']]);
});

test('a failed list lookup caches nothing, clears its in-flight keys, and rejects those who joined it', async () => {
  const caches = new CacheRegistry();
  let attempt = 0;
  const gate = deferred<Map<number, string>>();
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 100 }, (id: number): string | null => `single ${id}`);
  const getEvents = caches.cachedList(getEvent, (ids: number[]) => {
    attempt++;
    if (attempt === 1) return gate.promise;
    if (attempt === 2) throw new Error('sync batch failure');
    return new Map(ids.map((id) => [id, `batch ${id}`]));
  });
  const list = getEvents([1, 2]);
  const joined = getEvent(2);
  gate.reject(new Error('database is locked'));
  await assert.rejects(list, /database is locked/);
  await assert.rejects(joined, /database is locked/);
  assert.equal(getEvent.stats.inFlight, 0);
  assert.equal(getEvent.stats.size, 0);
  const syncFailure = getEvents([1]);
  assert.ok(syncFailure instanceof Promise);
  await assert.rejects(syncFailure, /sync batch failure/);
  assert.deepEqual([...(await getEvents([1, 2]))], [[1, 'batch 1'], [2, 'batch 2']]);
  assert.equal(getEvent.stats.size, 2);
});

test('a list body that does not answer a Map is an error, and leaves nothing in flight', async () => {
  const caches = new CacheRegistry();
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 100 }, (id: string): string | null => id);
  const getEvents = caches.cachedList(getEvent, async (ids: string[]) => Object.fromEntries(ids.map((id) => [id, id])) as never);
  await assert.rejects(getEvents(['$a']), /must return a Map/);
  assert.equal(getEvent.stats.inFlight, 0);
  assert.equal(await getEvent('$a'), '$a');
});

test('invalidating one key while a list lookup runs keeps only that key out of the cache', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<Map<string, string>>();
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 100 }, (id: string): string | null => `fresh ${id}`);
  const getEvents = caches.cachedList(getEvent, (_ids: string[]) => gate.promise);
  const list = getEvents(['$a', '$b']);
  getEvent.invalidate(['$a']);
  gate.resolve(new Map([['$a', 'stale $a'], ['$b', 'batch $b']]));
  assert.deepEqual([...(await list)], [['$a', 'stale $a'], ['$b', 'batch $b']]);
  assert.deepEqual(getEvent.cache.cachedKeys(), [['$b']]);
  assert.equal(await getEvent('$a'), 'fresh $a');
});

test('a prefill during a list lookup wins over the lookup\'s answer', async () => {
  const caches = new CacheRegistry();
  const gate = deferred<Map<string, string>>();
  const getEvent = caches.cached({ name: 'getEvent', maxEntries: 100 }, (id: string): string | null => id);
  const getEvents = caches.cachedList(getEvent, (_ids: string[]) => gate.promise);
  const list = getEvents(['$a']);
  getEvent.prefill(['$a'], 'prefilled');
  gate.resolve(new Map([['$a', 'looked up']]));
  assert.equal((await list).get('$a'), 'looked up');
  assert.equal(await getEvent('$a'), 'prefilled');
});
