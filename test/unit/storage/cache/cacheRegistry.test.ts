/**
 * The registry: declaring cached reads in a data store, counters and the health snapshot, the invalidation
 * listener and remote invalidations by name (never echoed), frozen values, and the compile-time checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheRegistry } from '../../../../core/storage/cache/cacheRegistry.ts';
import type { CacheInvalidation } from '../../../../core/storage/cache/cacheInvalidation.ts';
import type { CachedFunction, TreeCachedFunction } from '../../../../core/storage/cache/cachedFunction.ts';
import type { CachedListFunction } from '../../../../core/storage/cache/cachedListFunction.ts';

/** Compile-time: fails to type-check unless `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

interface Membership {
  readonly userId: string;
  readonly membership: string;
}

/**
 * What data stores extend. Class fields are initialised before the constructor assigns its parameter
 * properties, so a store whose fields call `this.caches.cached(...)` must get `caches` from its base class
 * (assigned in `super()`, before the subclass's fields), not from its own `constructor(private caches)`.
 */
abstract class StoreBase {
  constructor(protected readonly caches: CacheRegistry) {}
}

/** A data store as authors will write one: cached reads declared as fields over synchronous queries. */
class RoomMemberStore extends StoreBase {
  queries = 0;
  readonly members = new Map<string, Membership[]>([['!r', [{ userId: '@a:hs', membership: 'join' }]]]);

  readonly getUsersInRoom = this.caches.cached({ name: 'getUsersInRoom', maxEntries: 10_000 }, (roomId: string) =>
    this.queryUsersInRoom(roomId),
  );

  readonly getMembership = this.caches.cached(
    { name: 'getMembership', maxEntries: 10_000, tree: true },
    (roomId: string, userId: string): Membership | null => this.queryMembership(roomId, userId),
  );

  readonly getMemberships = this.caches.cachedList(this.getMembership, (roomId: string, userIds: string[]) => {
    this.queries++;
    const found = new Map<string, Membership>();
    for (const m of this.members.get(roomId) ?? []) if (userIds.includes(m.userId)) found.set(m.userId, m);
    return found;
  });

  private queryUsersInRoom(roomId: string): string[] {
    this.queries++;
    return (this.members.get(roomId) ?? []).filter((m) => m.membership === 'join').map((m) => m.userId);
  }

  private queryMembership(roomId: string, userId: string): Membership | null {
    this.queries++;
    return (this.members.get(roomId) ?? []).find((m) => m.userId === userId) ?? null;
  }
}

test('a data store declares cached reads as fields, with types inferred from the bodies', async () => {
  const store = new RoomMemberStore(new CacheRegistry());
  assertType<Equal<typeof store.getUsersInRoom, CachedFunction<[roomId: string], string[]>>>();
  assertType<Equal<typeof store.getMembership, TreeCachedFunction<[roomId: string, userId: string], Membership | null>>>();
  assertType<Equal<typeof store.getMemberships, CachedListFunction<[roomId: string], string, Membership | null>>>();
  assertType<Equal<ReturnType<typeof store.getUsersInRoom>, Promise<string[]>>>();

  const answer = store.getUsersInRoom('!r');
  assert.ok(answer instanceof Promise, 'a synchronous body still answers a Promise');
  assert.deepEqual(await answer, ['@a:hs']);
  assert.deepEqual(await store.getUsersInRoom('!r'), ['@a:hs']);
  assert.equal(store.queries, 1);

  const { getUsersInRoom } = store; // detached: no `this` needed
  assert.deepEqual(await getUsersInRoom('!r'), ['@a:hs']);

  const memberships = await store.getMemberships('!r', ['@a:hs', '@nobody:hs']);
  assert.deepEqual([...memberships.values()], [{ userId: '@a:hs', membership: 'join' }, null]);
  assert.equal(await store.getMembership('!r', '@nobody:hs'), null);
  assert.equal(store.queries, 2);
});

test('cached read types: fixed key arguments of key-part types, tree-only invalidateMany, nullable list values', () => {
  const caches = new CacheRegistry();
  // @ts-expect-error an optional parameter would make one read two different keys
  caches.cached({ name: 'optional', maxEntries: 1 }, (roomId: string, limit?: number) => `${roomId}${limit}`);
  // @ts-expect-error a defaulted parameter likewise
  caches.cached({ name: 'defaulted', maxEntries: 1 }, (roomId: string, limit = 10) => `${roomId}${limit}`);
  // @ts-expect-error a rest parameter has no fixed arity
  caches.cached({ name: 'rest', maxEntries: 1 }, (...roomIds: string[]) => roomIds.length);
  // @ts-expect-error objects are not key parts
  caches.cached({ name: 'object', maxEntries: 1 }, (filter: { roomId: string }) => filter.roomId);
  // @ts-expect-error a declared arity must match the parameters
  caches.cached({ name: 'arity', maxEntries: 1, arity: 2 }, (roomId: string) => roomId);
  const flat = caches.cached({ name: 'flat', maxEntries: 1 }, (u: string, d: string) => u + d);
  // @ts-expect-error prefix invalidation is for tree caches
  flat.invalidateMany?.(['u']);
  // @ts-expect-error keys are tuples of the argument types
  flat.invalidate(['u', 1]);
  // @ts-expect-error a prefill value has the value type
  flat.prefill(['u', 'd'], 42);
  const tree = caches.cached({ name: 'tree', maxEntries: 1, tree: true }, (u: string, d: string) => u + d);
  tree.invalidateMany(['u']);
  // @ts-expect-error a prefix is a prefix of the key tuple
  assert.throws(() => tree.invalidateMany(['u', 'd', 'x']), TypeError);
  const notNullable = caches.cached({ name: 'notNullable', maxEntries: 1 }, (id: string) => ({ id }));
  // @ts-expect-error a list lookup caches absent keys as null, so the single read must admit null
  caches.cachedList(notNullable, (ids: string[]) => new Map(ids.map((id) => [id, { id }])));
  const sized = caches.cached({ name: 'sized', maxEntries: 10, maxSize: 100, sizeOf: (users) => users.length }, (roomId: string) => [roomId]);
  assertType<Equal<typeof sized, CachedFunction<[roomId: string], string[]>>>();
  assert.ok(true);
});

test('hit, miss, eviction, invalidation and size counters; the registry snapshot', async () => {
  const caches = new CacheRegistry();
  const getB = caches.cached({ name: 'b.getRoomName', maxEntries: 2, maxSize: 10, sizeOf: (name) => name.length }, (roomId: string) => `#${roomId}`);
  const getA = caches.cached({ name: 'a.getVersion', maxEntries: 5, tree: true }, (_roomId: string, n: number) => n);
  await getB('x'); // miss
  await getB('x'); // hit
  await getB('y'); // miss
  await getB('z'); // miss, evicts x
  getB.invalidate(['y']);
  getB.invalidateAll();
  await getA('!r', 1);
  getA.invalidateMany(['!r']);
  assert.deepEqual(caches.names(), ['a.getVersion', 'b.getRoomName']);
  assert.deepEqual(caches.snapshot(), [
    { name: 'a.getVersion', tree: true, hits: 0, misses: 1, evictions: 0, invalidations: 1, size: 0, totalSize: 0, inFlight: 0, maxEntries: 5, maxSize: null },
    { name: 'b.getRoomName', tree: false, hits: 1, misses: 3, evictions: 1, invalidations: 2, size: 0, totalSize: 0, inFlight: 0, maxEntries: 2, maxSize: 10 },
  ]);
  await getB('long');
  const stats = getB.stats;
  assert.equal(stats.size, 1);
  assert.equal(stats.totalSize, 5);
  assert.deepEqual(JSON.parse(JSON.stringify(caches.snapshot())), caches.snapshot(), 'the snapshot is plain JSON');
});

test('a store can also assign its cached reads in its constructor', async () => {
  class ProfileStore {
    readonly getDisplayName: CachedFunction<[userId: string], string | null>;
    constructor(caches: CacheRegistry) {
      // The return type is annotated: inferred from `'Alice' : null` alone it would be the literal 'Alice' | null.
      this.getDisplayName = caches.cached({ name: 'getDisplayName', maxEntries: 100 }, (userId: string): string | null =>
        userId === '@a:hs' ? 'Alice' : null,
      );
    }
  }
  const store = new ProfileStore(new CacheRegistry());
  assert.equal(await store.getDisplayName('@a:hs'), 'Alice');
});

test('cache names are unique within a registry', () => {
  const caches = new CacheRegistry();
  caches.cached({ name: 'getEvent', maxEntries: 1 }, (id: string) => id);
  assert.throws(() => caches.cached({ name: 'getEvent', maxEntries: 1 }, (id: string) => id), /already registered/);
  assert.equal(caches.has('getEvent'), true);
  const other = new CacheRegistry();
  const foreign = other.cached({ name: 'getEvent', maxEntries: 1 }, (id: string): string | null => id);
  assert.throws(() => caches.cachedList(foreign, (ids: string[]) => new Map(ids.map((id) => [id, id]))), /not registered/);
});

test('local invalidations reach the listener with their kind and key', async () => {
  const caches = new CacheRegistry();
  const seen: CacheInvalidation[] = [];
  const stop = caches.onInvalidation((invalidation) => seen.push(invalidation));
  const getDevice = caches.cached({ name: 'getDevice', maxEntries: 10, tree: true }, (u: string, d: string) => u + d);
  const getRoom = caches.cached({ name: 'getRoom', maxEntries: 10 }, (roomId: string) => roomId);
  getDevice.invalidate(['u1', 'd1']);
  getDevice.invalidateMany(['u1']);
  getRoom.invalidateAll();
  getRoom.prefill(['!r'], '!r');
  assert.deepEqual(seen, [
    { cacheName: 'getDevice', kind: 'key', key: ['u1', 'd1'] },
    { cacheName: 'getDevice', kind: 'prefix', key: ['u1'] },
    { cacheName: 'getRoom', kind: 'all', key: null },
    { cacheName: 'getRoom', kind: 'key', key: ['!r'] },
  ]);
  stop();
  getRoom.invalidate(['!r']);
  assert.equal(seen.length, 4, 'an unsubscribed listener hears nothing');
});

test('a throwing listener does not stop the invalidation nor the other listeners', async () => {
  const caches = new CacheRegistry();
  const heard: string[] = [];
  caches.onInvalidation(() => {
    throw new Error('stream closed');
  });
  caches.onInvalidation(({ cacheName }) => heard.push(cacheName));
  const getRoom = caches.cached({ name: 'getRoom', maxEntries: 10 }, (roomId: string) => roomId);
  await getRoom('!r');
  assert.throws(() => getRoom.invalidate(['!r']), /stream closed/);
  assert.deepEqual(heard, ['getRoom']);
  assert.equal(getRoom.stats.size, 0, 'the invalidation was applied before the listeners ran');
});

test('a remote invalidation applied by cache name does not echo back to the listener', async () => {
  // Two instances joined by a fake invalidation stream: what one invalidates locally, the other applies.
  const writer = new CacheRegistry();
  const reader = new CacheRegistry();
  const readerHeard: CacheInvalidation[] = [];
  reader.onInvalidation((invalidation) => readerHeard.push(invalidation));
  writer.onInvalidation(({ cacheName, key }) => reader.invalidate(cacheName, key));

  let version = 1;
  const declare = (caches: CacheRegistry) => ({
    getDevice: caches.cached({ name: 'getDevice', maxEntries: 10, tree: true }, (u: string, d: string) => `${u}/${d}@${version}`),
    getRoom: caches.cached({ name: 'getRoom', maxEntries: 10 }, (roomId: string) => `${roomId}@${version}`),
  });
  const onWriter = declare(writer);
  const onReader = declare(reader);
  await onReader.getDevice('u1', 'd1');
  await onReader.getDevice('u1', 'd2');
  await onReader.getDevice('u2', 'd1');
  await onReader.getRoom('!r');
  version = 2;

  onWriter.getDevice.invalidateMany(['u1']);
  assert.deepEqual(onReader.getDevice.cache.cachedKeys(), [['u2', 'd1']]);
  onWriter.getRoom.invalidate(['!r']);
  assert.equal(await onReader.getRoom('!r'), '!r@2');
  onWriter.getRoom.invalidateAll();
  assert.equal(onReader.getRoom.stats.size, 0);
  assert.deepEqual(readerHeard, [], 'applying remote invalidations reported nothing to the reader\'s listener');
  assert.equal(onReader.getDevice.stats.invalidations, 1, 'remote invalidations are counted');

  assert.equal(reader.invalidate('noSuchCache', null), false, 'an unknown cache name is ignored');
  assert.equal(reader.invalidate('getRoom', null), true);
  assert.throws(() => reader.invalidate('getRoom', ['!r', 'extra']), TypeError);
  assert.throws(() => reader.invalidate('getDevice', [{}] as never), TypeError);
  reader.invalidate('getDevice', ['u2', 'd1']);
  assert.equal(onReader.getDevice.stats.size, 0);
});

test('a remote prefix invalidation of a non-tree cache is refused', () => {
  const caches = new CacheRegistry();
  caches.cached({ name: 'flat', maxEntries: 10 }, (u: string, d: string) => u + d);
  assert.throws(() => caches.invalidate('flat', ['u1']), /not a tree cache/);
});

test('cached values are frozen in tests: a caller mutating a shared value fails loudly', async () => {
  assert.equal(process.env.NODE_ENV, 'test');
  const caches = new CacheRegistry();
  assert.equal(caches.freezeValues, true);
  const getUsers = caches.cached({ name: 'getUsers', maxEntries: 10 }, async (_roomId: string) => ({
    users: ['@b:hs', '@a:hs'],
    counts: { joined: 2 },
  }));
  const value = await getUsers('!r');
  assert.throws(() => (value.users as string[]).sort(), TypeError);
  assert.throws(() => {
    (value.counts as { joined: number }).joined = 3;
  }, TypeError);
  const prefilled = ['$a'];
  getUsers.prefill(['!p'], { users: prefilled, counts: { joined: 1 } });
  assert.ok(Object.isFrozen(prefilled), 'a prefilled value is frozen too');

  const binary = caches.cached({ name: 'getThumbnail', maxEntries: 10 }, (_id: string) => ({ bytes: Buffer.from('png'), index: new Map([['k', 1]]) }));
  const thumbnail = await binary('x');
  assert.ok(Object.isFrozen(thumbnail));
  assert.equal(Object.isFrozen(thumbnail.bytes), false, 'buffers are left alone');
  thumbnail.index.set('k', 2); // Maps are not frozen (documented)

  const unfrozen = new CacheRegistry({ freezeValues: false }).cached({ name: 'getUsers', maxEntries: 10 }, (_roomId: string) => ['@a:hs']);
  assert.equal(Object.isFrozen(await unfrozen('!r')), false);
});
