/**
 * The overhead of a cached read on a hit, against a plain `Map.get` answered the same way (wrapped in a resolved
 * promise and awaited), so the ratio isolates the cache's own cost: key lookup in the tuple trie, LRU recency
 * update, hit counter, reuse of the entry's resolved promise. A hit reuses one resolved promise per entry, so
 * it is also compared with a Map of pre-resolved promises (the least any promise-returning lookup can cost), and
 * a 2-part tree key with the string-key alternative. Last, a list lookup of 50 keys that all hit, against 50
 * `Map.get`s collected into a Map and awaited.
 */
import { measure, ratio, type Benchmark } from './harness.ts';
import { CacheRegistry } from '../core/storage/cache/cacheRegistry.ts';

const KEYS = 1_000;
const CALLS_PER_BATCH = 1_000;
const LIST_SIZE = 50;

const benchmark: Benchmark = async () => {
  const caches = new CacheRegistry({ freezeValues: false });
  const eventIds = Array.from({ length: KEYS }, (_, i) => `$event${i}:example.org`);
  const table = new Map(eventIds.map((id, i) => [id, { eventId: id, depth: i }]));

  const getEvent = caches.cached({ name: 'getEvent', maxEntries: KEYS * 2 }, (eventId: string) => table.get(eventId) ?? null);
  const getEvents = caches.cachedList(getEvent, (ids: string[]) => {
    const found = new Map<string, { eventId: string; depth: number }>();
    for (const id of ids) {
      const row = table.get(id);
      if (row !== undefined) found.set(id, row);
    }
    return found;
  });
  const getDevice = caches.cached({ name: 'getDevice', maxEntries: KEYS * 2, tree: true }, (userId: string, deviceId: string) => `${userId}|${deviceId}`);
  const devices = eventIds.map((_, i) => [`@user${i % 100}:example.org`, `DEVICE${i}`] as const);
  const deviceTable = new Map(devices.map(([u, d]) => [`${u}|${d}`, `${u}|${d}`]));
  for (const id of eventIds) await getEvent(id);
  for (const [u, d] of devices) await getDevice(u, d);

  let cursor = 0;
  const hit = await measure(
    'cached read hit (await getEvent(id))',
    async () => {
      for (let i = 0; i < CALLS_PER_BATCH; i++) await getEvent(eventIds[cursor++ % KEYS]!);
    },
    { operationsPerCall: CALLS_PER_BATCH },
  );
  const plain = await measure(
    'plain Map.get (await Promise.resolve(map.get(id)))',
    async () => {
      for (let i = 0; i < CALLS_PER_BATCH; i++) await Promise.resolve(table.get(eventIds[cursor++ % KEYS]!) ?? null);
    },
    { operationsPerCall: CALLS_PER_BATCH },
  );

  const resolved = new Map(eventIds.map((id) => [id, Promise.resolve(table.get(id) ?? null)]));
  const floor = await measure(
    'Map of pre-resolved promises (await map.get(id))',
    async () => {
      for (let i = 0; i < CALLS_PER_BATCH; i++) await resolved.get(eventIds[cursor++ % KEYS]!);
    },
    { operationsPerCall: CALLS_PER_BATCH },
  );

  const treeHit = await measure(
    'tree cached read hit, 2-part key (await getDevice(u, d))',
    async () => {
      for (let i = 0; i < CALLS_PER_BATCH; i++) {
        const [u, d] = devices[cursor++ % KEYS]!;
        await getDevice(u, d);
      }
    },
    { operationsPerCall: CALLS_PER_BATCH },
  );
  const treePlain = await measure(
    'plain Map.get on a joined string key (await Promise.resolve(map.get(`${u}|${d}`)))',
    async () => {
      for (let i = 0; i < CALLS_PER_BATCH; i++) {
        const [u, d] = devices[cursor++ % KEYS]!;
        await Promise.resolve(deviceTable.get(`${u}|${d}`));
      }
    },
    { operationsPerCall: CALLS_PER_BATCH },
  );

  const lists = Array.from({ length: KEYS / LIST_SIZE }, (_, i) => eventIds.slice(i * LIST_SIZE, (i + 1) * LIST_SIZE));
  const LISTS_PER_BATCH = 100;
  let listCursor = 0;
  const listHit = await measure(
    `list lookup, ${LIST_SIZE} keys all cached (await getEvents(ids))`,
    async () => {
      for (let i = 0; i < LISTS_PER_BATCH; i++) await getEvents(lists[listCursor++ % lists.length]!);
    },
    { operationsPerCall: LISTS_PER_BATCH },
  );
  const listPlain = await measure(
    `${LIST_SIZE} Map.gets into a Map (await Promise.resolve(map))`,
    async () => {
      for (let i = 0; i < LISTS_PER_BATCH; i++) {
        const found = new Map<string, { eventId: string; depth: number } | null>();
        for (const id of lists[listCursor++ % lists.length]!) found.set(id, table.get(id) ?? null);
        await Promise.resolve(found);
      }
    },
    { operationsPerCall: LISTS_PER_BATCH },
  );

  if (getEvent.stats.misses !== KEYS || getDevice.stats.misses !== KEYS) throw new Error('benchmark lookups were not all hits');
  return [
    ratio('Cached read hit vs awaited Map.get', hit, plain),
    ratio('Cached read hit vs a Map of pre-resolved promises (the floor: no LRU, no counters)', hit, floor),
    ratio('Tree cached read hit (2-part key) vs awaited Map.get on a joined key', treeHit, treePlain),
    ratio(`List lookup all-hit (${LIST_SIZE} keys) vs ${LIST_SIZE} Map.gets`, listHit, listPlain),
  ];
};
export default benchmark;
