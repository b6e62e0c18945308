/**
 * The auth chain difference through the storage-backed source (EventAuthReadStore) on a real SQLite database:
 * the seed graph as rows, and a room built and persisted by the storage stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataDirectory } from '../../../core/storage/dataDirectory.ts';
import { EventAuthReadStore } from '../../../core/storage/databases/main/eventAuthReadStore.ts';
import { computeAuthChainDifference } from '../../../core/state/authChainDifference.ts';
import { fullAuthChain, naiveAuthChainDifference } from '../../../core/state/naiveAuthChainDifference.ts';
import type { RoomEvent } from '../../../core/events/roomEvent.ts';
import type { Database } from '../../../core/storage/engine/database.ts';
import { openStorageFixture } from '../../support/storageFixture.ts';
import { MemoryAuthChainSource } from '../../support/memoryAuthChainSource.ts';
import { tempDir } from '../../support/tempDir.ts';

const sorted = (ids: Iterable<string>) => [...ids].sort();

test('§4 the seed graph stored as rows: every case through EventAuthReadStore', async (t) => {
  const dataDir = openDataDirectory(tempDir(t), { serverName: 'hs.test' });
  t.after(() => dataDir.close());
  const { db } = dataDir;
  const edges: Record<string, string[]> = { a: ['e'], b: ['e'], c: ['g', 'i'], d: ['f'], e: ['f'], f: ['g'], g: ['h', 'i'], h: ['k'], i: ['j'] };
  const depths: Record<string, number> = { a: 7, b: 7, d: 6, e: 6, f: 5, c: 4, g: 3, h: 2, i: 2, k: 1, j: 1 };
  const insertEvent = db.prepare(
    `INSERT INTO events (stream_ordering, event_id, room_id, type, state_key, sender, depth, origin_server_ts, received_ts)
     VALUES (?, ?, '!seed:hs.test', 'm.room.member', ?, '@u:hs.test', ?, 0, 0)`,
  );
  // Auth edges are keyed by the event's stream ordering.
  const insertAuth = db.prepare('INSERT INTO event_auth (stream_ordering, auth_id) SELECT stream_ordering, ? FROM events WHERE event_id = ?');
  db.transaction(() => {
    Object.entries(depths).forEach(([id, depth], i) => insertEvent.run(i + 1, id, `@${id}:hs.test`, depth));
    for (const [id, authIds] of Object.entries(edges)) for (const authId of authIds) insertAuth.run(authId, id);
  })();
  const store = new EventAuthReadStore(db);

  const edgesOfG = await store.getAuthEdges(['g', 'k', 'nope']);
  assert.deepEqual(sorted(edgesOfG.keys()), ['g', 'k']);
  assert.deepEqual(sorted(edgesOfG.get('g')!.authEventIds), ['h', 'i']);
  assert.equal(edgesOfG.get('g')!.depth, 3);
  assert.deepEqual(edgesOfG.get('k')!.authEventIds, [], 'an event without auth events is present');
  assert.deepEqual(sorted(await store.getAuthChain(['c'])), ['g', 'h', 'i', 'j', 'k']);

  const cases: [string[][], string[]][] = [
    [[['a'], ['b']], ['a', 'b']],
    [[['a'], ['b'], ['c']], ['a', 'b', 'c', 'e', 'f']],
    [[['a', 'c'], ['b']], ['a', 'b', 'c']],
    [[['a'], ['b'], ['d']], ['a', 'b', 'd', 'e']],
    [[['a'], ['b'], ['c'], ['d']], ['a', 'b', 'c', 'd', 'e', 'f']],
    [[['a'], ['b'], ['e']], ['a', 'b']],
    [[['a']], []],
  ];
  for (const [sets, expected] of cases) {
    assert.deepEqual(sorted(await computeAuthChainDifference(sets, store)), expected, JSON.stringify(sets));
    assert.deepEqual(sorted(await naiveAuthChainDifference(sets, store)), expected, `naive ${JSON.stringify(sets)}`);
  }
});

test('§4 a room persisted by the storage stack: the walk over the database agrees with the events themselves', async (t) => {
  const fx = openStorageFixture(t);
  const alice = '@alice:hs.test';
  const roomId = await fx.createRoom(alice);
  const sent: RoomEvent[] = [];
  for (let i = 0; i < 30; i++) {
    const user = `@user${i}:hs.test`;
    sent.push((await fx.join(roomId, user)).event);
    if (i % 5 === 0) {
      const users: Record<string, number> = { [alice]: 100 };
      for (let j = 0; j <= i; j += 5) users[`@user${j}:hs.test`] = 10 + j;
      sent.push((await fx.state(roomId, alice, 'm.room.power_levels', '', { users })).event);
    }
    if (i % 7 === 0) sent.push((await fx.state(roomId, user, 'm.room.member', user, { membership: 'join', displayname: `User ${i}` })).event);
  }
  const stored = await fx.storage.stores.events.getEvents(await allEventIds(fx.storage.stores.db, roomId));
  const roomEvents = [...stored.values()].flatMap((s) => (s ? [s.event] : []));
  assert.ok(roomEvents.length > 40);
  const memory = MemoryAuthChainSource.fromEvents(roomEvents);
  const store = new EventAuthReadStore(fx.storage.stores.db);

  const stateEvents = roomEvents.filter((e) => e.isState()).map((e) => e.eventId);
  const recent = sent.slice(-10).map((e) => e.eventId);
  const setsCases = [
    [recent.slice(0, 3), recent.slice(3, 6)],
    [[recent[9]!], [recent[0]!], [stateEvents[5]!]],
    [stateEvents.slice(0, 8), stateEvents.slice(4, 12), recent.slice(-2)],
  ];
  for (const sets of setsCases) {
    const walked = await computeAuthChainDifference(sets, store);
    assert.deepEqual(sorted(walked), sorted(await naiveAuthChainDifference(sets, memory)));
  }
  for (const id of recent) {
    const chain = await fullAuthChain([id], memory);
    chain.delete(id);
    assert.deepEqual(sorted(await store.getAuthChain([id])), sorted(chain));
  }
});

test('the store reports rejected events', async (t) => {
  const fx = openStorageFixture(t);
  const db = fx.storage.stores.db;
  db.prepare("INSERT INTO rejections (event_id, reason, last_check) VALUES ('$bad', 'auth', 0)").run();
  const store = new EventAuthReadStore(db);
  assert.deepEqual(sorted(await store.getRejectedEventIds(['$bad', '$good'])), ['$bad']);
  assert.deepEqual(sorted(await store.getRejectedEventIds([])), []);
});

async function allEventIds(db: Database, roomId: string): Promise<string[]> {
  return db.prepare('SELECT event_id FROM events WHERE room_id = ? ORDER BY stream_ordering').pluck().all(roomId) as string[];
}
