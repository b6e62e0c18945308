/** The default unread counts: messages from others after the user's furthest read receipt, or after their join. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../support/storageFixture.ts';
import { ReceiptUnreadCounts } from '../../../core/handlers/sync/receiptUnreadCounts.ts';

test('counts messages from others after the latest m.read or m.read.private receipt', async (t) => {
  const fx = openStorageFixture(t);
  const alice = '@alice:hs.test';
  const bob = '@bob:hs.test';
  const roomId = await fx.createRoom(alice);
  await fx.message(roomId, alice, 'before bob joined');
  await fx.join(roomId, bob);
  const counts = new ReceiptUnreadCounts(fx.storage.stores);
  assert.deepEqual(await counts.getUnreadCounts(bob, roomId), { notification_count: 0, highlight_count: 0 });

  const first = await fx.message(roomId, alice, 'one');
  await fx.message(roomId, bob, 'own messages do not count');
  await fx.send({ roomId, sender: alice, type: 'm.reaction', content: {} });
  await fx.message(roomId, alice, 'two');
  assert.deepEqual(await counts.getUnreadCounts(bob, roomId), { notification_count: 2, highlight_count: 0 });

  const receipts = fx.storage.stores.receipts;
  receipts.upsert({ roomId, receiptType: 'm.read.private', userId: bob, eventId: first.event.eventId, threadId: null, data: { ts: 1 } });
  assert.deepEqual(await counts.getUnreadCounts(bob, roomId), { notification_count: 1, highlight_count: 0 });
});

test('receipts only move forward, per type and thread', async (t) => {
  const fx = openStorageFixture(t);
  const alice = '@alice:hs.test';
  const roomId = await fx.createRoom(alice);
  const one = await fx.message(roomId, alice, 'one');
  const two = await fx.message(roomId, alice, 'two');
  const receipts = fx.storage.stores.receipts;
  const put = (eventId: string, threadId: string | null, receiptType = 'm.read') =>
    receipts.upsert({ roomId, receiptType, userId: alice, eventId, threadId, data: { ts: 1 } });
  assert.ok(put(two.event.eventId, null) !== null);
  assert.equal(put(one.event.eventId, null), null, 'backwards is ignored');
  assert.ok(put(one.event.eventId, 'main') !== null, 'another thread is another receipt');
  assert.ok(put(one.event.eventId, null, 'm.read.private') !== null, 'another type is another receipt');
  assert.deepEqual(
    receipts.forRoom(roomId, Number.MAX_SAFE_INTEGER).map((r) => [r.receiptType, r.threadId, r.eventId]),
    [
      ['m.read', null, two.event.eventId],
      ['m.read', 'main', one.event.eventId],
      ['m.read.private', null, one.event.eventId],
    ],
  );
});
