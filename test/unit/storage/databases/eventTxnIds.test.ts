import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../../support/storageFixture.ts';
import { tempDir } from '../../../support/tempDir.ts';
import { EventTxnIds, TXN_ID_RETENTION_MS } from '../../../../core/storage/databases/main/eventTxnIds.ts';

const alice = '@alice:hs.test';
const message = (body: string) => ({ msgtype: 'm.text', body });

test('a transaction ID returns its first event, per room and device, and still does after a restart', async (t) => {
  const dir = tempDir(t);
  const first = openStorageFixture(t, { dir });
  const roomId = await first.createRoom(alice);
  const otherRoom = await first.createRoom(alice);
  const sent = await first.send({ roomId, sender: alice, type: 'm.room.message', content: message('once'), txn: { deviceId: 'DEV', txnId: 't1' } });
  const again = await first.send({ roomId, sender: alice, type: 'm.room.message', content: message('once'), txn: { deviceId: 'DEV', txnId: 't1' } });
  assert.equal(again.event.eventId, sent.event.eventId);
  const otherDevice = await first.send({ roomId, sender: alice, type: 'm.room.message', content: message('once'), txn: { deviceId: 'DEV2', txnId: 't1' } });
  const elsewhere = await first.send({ roomId: otherRoom, sender: alice, type: 'm.room.message', content: message('once'), txn: { deviceId: 'DEV', txnId: 't1' } });
  assert.equal(new Set([sent.event.eventId, otherDevice.event.eventId, elsewhere.event.eventId]).size, 3);
  first.dataDir.close();

  const reopened = openStorageFixture(t, { dir });
  const retried = await reopened.send({ roomId, sender: alice, type: 'm.room.message', content: message('once'), txn: { deviceId: 'DEV', txnId: 't1' } });
  assert.equal(retried.event.eventId, sent.event.eventId);
  assert.equal(reopened.storage.stores.events.getEventIdForTxn(roomId, alice, 'DEV2', 't1'), otherDevice.event.eventId);
  assert.equal(reopened.storage.stores.events.getEventIdForTxn(roomId, alice, 'DEV', 't2'), null);
});

test('transaction IDs expire after a day, in memory and in the log', async (t) => {
  const fx = openStorageFixture(t);
  const db = fx.dataDir.db;
  const roomId = '!earlier:hs.test';
  const now = Date.now();
  db.prepare("INSERT INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES ('$old', ?, ?, 'DEV', 'old', ?)").run(roomId, alice, now - TXN_ID_RETENTION_MS - 1000);
  db.prepare("INSERT INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES ('$recent', ?, ?, 'DEV', 'recent', ?)").run(roomId, alice, now - 1000);

  // Read from the log on first use: only what is younger than a day.
  let clock = now;
  const ids = new EventTxnIds(db, { readsNewRows: false, now: () => clock });
  assert.equal(ids.eventIdFor(roomId, alice, 'DEV', 'old'), null);
  assert.equal(ids.eventIdFor(roomId, alice, 'DEV', 'recent'), '$recent');
  ids.remember([{ roomId, userId: alice, deviceId: 'DEV', txnId: 'recent', eventId: '$second' }]);
  assert.equal(ids.eventIdFor(roomId, alice, 'DEV', 'recent'), '$recent', 'the first event stays');
  clock = now + TXN_ID_RETENTION_MS;
  ids.remember([{ roomId, userId: alice, deviceId: 'DEV', txnId: 'later', eventId: '$later' }]);
  assert.equal(ids.eventIdFor(roomId, alice, 'DEV', 'recent'), null, 'expired');
  assert.equal(ids.eventIdFor(roomId, alice, 'DEV', 'later'), '$later');

  // The events writer deletes rows older than a day from the log (the first write of a process does).
  await fx.createRoom(alice);
  assert.deepEqual(db.prepare('SELECT txn_id FROM event_txn_id ORDER BY rowid').pluck().all(), ['recent']);
});
