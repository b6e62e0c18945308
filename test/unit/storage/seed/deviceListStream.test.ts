/**
 * SEED-BEHAVIOURS.md §3: the device-list stream has one row per stream ID, outbound pokes take their own IDs and
 * count in the generator's max, limited reads resume with nothing skipped, and EDUs to a server chain prev_id.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../../support/storageFixture.ts';
import { tempDir } from '../../../support/tempDir.ts';
import { Streams } from '../../../../core/storage/streams.ts';

const u = '@u:hs.test';

/** A store whose stream already holds some rows, so that n is not zero. */
function storeAtSomePosition(t: TestContext, dir = tempDir(t)) {
  const fx = openStorageFixture(t, { dir });
  const store = fx.storage.stores.deviceLists;
  store.addDeviceChangeToStreams('@warmup:hs.test', ['W1', 'W2'], []);
  const n = fx.storage.stores.streams.deviceLists.getCurrentToken();
  return { fx, store, n, dir };
}

test('§3 adding [D1,D2,D3] for @u with hosts [h1,h2]: stream rows n+1..n+3, pokes n+4..n+9, returns n+9', (t) => {
  const { fx, store, n } = storeAtSomePosition(t);
  assert.equal(n, 2);
  assert.equal(store.addDeviceChangeToStreams(u, ['D1', 'D2', 'D3'], ['h1', 'h2']), n + 9);
  const db = fx.dataDir.db;
  assert.deepEqual(db.prepare('SELECT stream_id, device_id FROM device_lists_stream WHERE user_id = ? ORDER BY stream_id').all(u), [
    { stream_id: n + 1, device_id: 'D1' },
    { stream_id: n + 2, device_id: 'D2' },
    { stream_id: n + 3, device_id: 'D3' },
  ]);
  assert.deepEqual(
    db.prepare('SELECT stream_id, destination, device_id, sent FROM device_lists_outbound_pokes ORDER BY stream_id').all(),
    [
      { stream_id: n + 4, destination: 'h1', device_id: 'D1', sent: 0 },
      { stream_id: n + 5, destination: 'h1', device_id: 'D2', sent: 0 },
      { stream_id: n + 6, destination: 'h1', device_id: 'D3', sent: 0 },
      { stream_id: n + 7, destination: 'h2', device_id: 'D1', sent: 0 },
      { stream_id: n + 8, destination: 'h2', device_id: 'D2', sent: 0 },
      { stream_id: n + 9, destination: 'h2', device_id: 'D3', sent: 0 },
    ],
  );
  assert.equal(fx.storage.stores.streams.deviceLists.getCurrentToken(), n + 9);
});

test('§3 no devices means nothing is written', (t) => {
  const { fx, store, n } = storeAtSomePosition(t);
  assert.equal(store.addDeviceChangeToStreams(u, [], ['h1']), null);
  assert.equal(fx.storage.stores.streams.deviceLists.getCurrentToken(), n);
  assert.equal(fx.dataDir.db.prepare('SELECT COUNT(*) FROM device_lists_outbound_pokes').pluck().get(), 0);
});

test('§3 fetching (n, n+9] gives 9 rows with distinct IDs; limit 4 gives token n+4 and limited; the next fetch resumes at n+5', (t) => {
  const { store, n } = storeAtSomePosition(t);
  store.addDeviceChangeToStreams(u, ['D1', 'D2', 'D3'], ['h1', 'h2']);
  const all = store.getRows(n, n + 9, 100);
  assert.equal(all.rows.length, 9);
  assert.equal(new Set(all.rows.map((r) => r.streamId)).size, 9);
  assert.deepEqual(all.rows.map((r) => r.entity), [u, u, u, 'h1', 'h1', 'h1', 'h2', 'h2', 'h2']);
  assert.deepEqual([all.token, all.limited], [n + 9, false]);

  const seen: number[] = [];
  let from = n;
  const first = store.getRows(from, n + 9, 4);
  assert.deepEqual([first.rows.length, first.token, first.limited], [4, n + 4, true]);
  seen.push(...first.rows.map((r) => r.streamId));
  from = first.token;
  for (;;) {
    const page = store.getRows(from, n + 9, 4);
    seen.push(...page.rows.map((r) => r.streamId));
    if (!page.limited) break;
    from = page.token;
  }
  assert.equal(seen[4], n + 5, 'the next fetch resumes at n+5');
  assert.deepEqual(seen, Array.from({ length: 9 }, (_, i) => n + 1 + i), 'nothing lost, nothing repeated');
});

test('§3 a generator rebuilt afterwards reports n+9 (no ID reuse after a restart)', (t) => {
  const { fx, store, n, dir } = storeAtSomePosition(t);
  store.addDeviceChangeToStreams(u, ['D1', 'D2', 'D3'], ['h1', 'h2']);
  assert.equal(new Streams(fx.dataDir.db).deviceLists.getCurrentToken(), n + 9);
  fx.dataDir.close();
  const reopened = openStorageFixture(t, { dir });
  assert.equal(reopened.storage.stores.streams.deviceLists.getCurrentToken(), n + 9);
  assert.equal(reopened.storage.stores.deviceLists.addDeviceChangeToStreams(u, ['D4'], []), n + 10);
});

test('§3 a second change to D1 deletes the older (u, D1) row', (t) => {
  const { fx, store } = storeAtSomePosition(t);
  store.addDeviceChangeToStreams(u, ['D1', 'D2'], []);
  const last = store.addDeviceChangeToStreams(u, ['D1'], []);
  assert.deepEqual(fx.dataDir.db.prepare('SELECT device_id, stream_id FROM device_lists_stream WHERE user_id = ? ORDER BY stream_id').all(u), [
    { device_id: 'D2', stream_id: last! - 1 },
    { device_id: 'D1', stream_id: last },
  ]);
});

test('§3 three pending pokes to h1 with limit 2 give two EDUs, the position of the second poke, and increasing prev_id', (t) => {
  const { fx, store } = storeAtSomePosition(t);
  const describe = (_userId: string, deviceId: string) => ({ displayName: `Device ${deviceId}`, keys: null });
  store.addDeviceChangeToStreams(u, ['D1', 'D2', 'D3'], ['h1']);
  const pokes = fx.dataDir.db.prepare("SELECT stream_id FROM device_lists_outbound_pokes WHERE destination = 'h1' ORDER BY stream_id").pluck().all() as number[];
  const first = store.getOutboundUpdates('h1', 0, 2, describe);
  assert.equal(first.edus.length, 2);
  assert.equal(first.position, pokes[1], 'the position of the second poke');
  assert.deepEqual(first.edus.map((e) => [e.device_id, e.stream_id, e.prev_id]), [
    ['D1', pokes[0], []],
    ['D2', pokes[1], [pokes[0]]],
  ]);
  assert.equal(first.edus[0]!.device_display_name, 'Device D1');
  // Once h1 acknowledged them, the third continues the chain from the last acknowledged ID.
  store.markOutboundSent('h1', first.position);
  const second = store.getOutboundUpdates('h1', first.position, 2, describe);
  assert.deepEqual(second.edus.map((e) => [e.device_id, e.stream_id, e.prev_id]), [['D3', pokes[2], [pokes[1]]]]);
  store.markOutboundSent('h1', second.position);
  assert.deepEqual(store.getOutboundUpdates('h1', 0, 10, describe).edus, []);
  assert.deepEqual(store.destinationsWithPendingPokes(), []);
  // A device that no longer exists is reported deleted.
  store.addDeviceChangeToStreams(u, ['GONE'], ['h1']);
  assert.equal(store.getOutboundUpdates('h1', 0, 10, () => null).edus[0]!.deleted, true);
});
