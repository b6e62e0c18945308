/**
 * Every device/key change of a local user goes into the device-list stream with outbound pokes for each other
 * server sharing a room with the user (from current-state membership), in the transaction of the change;
 * signature changes go to user_signature_stream with IDs of the same generator; waiting syncs are woken only
 * after the change committed, and nothing is written or woken when the change fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../support/storageFixture.ts';
import { DeviceListPublisher, DEVICE_LISTS_STREAM } from '../../../core/handlers/devices/deviceListPublisher.ts';
import { Notifier, type Notification } from '../../../core/replication/notifier.ts';

const alice = '@alice:hs.test';

function setUp(t: Parameters<typeof openStorageFixture>[0]) {
  const fx = openStorageFixture(t);
  const notifier = new Notifier();
  const seen: Notification[] = [];
  notifier.observeAll((n) => seen.push(n));
  return { fx, stores: fx.storage.stores, publisher: new DeviceListPublisher(fx.storage.stores, notifier), seen };
}

test('hosts are the other servers joined to the user\'s rooms; one poke per (host, device)', async (t) => {
  const { fx, stores, publisher, seen } = setUp(t);
  const room1 = await fx.createRoom(alice, { stateDefault: 0 });
  const room2 = await fx.createRoom(alice, { stateDefault: 0 });
  await fx.createRoom('@other:hs.test');
  for (const [server, roomId] of [['b.test', room1], ['c.test', room2], ['b.test', room2]] as const) {
    const userId = `@u${Math.random().toString(36).slice(2, 6)}:${server}`;
    await fx.remote(server).handler.send({ roomId, sender: userId, type: 'm.room.member', stateKey: userId, content: { membership: 'join' } });
  }
  // A remote user who left no longer makes their server a destination.
  const leaver = '@gone:d.test';
  const d = fx.remote('d.test').handler;
  await d.send({ roomId: room1, sender: leaver, type: 'm.room.member', stateKey: leaver, content: { membership: 'join' } });
  await d.send({ roomId: room1, sender: leaver, type: 'm.room.member', stateKey: leaver, content: { membership: 'leave' } });
  assert.deepEqual(stores.deviceListAudience.hostsSharingRoomWith(alice), ['b.test', 'c.test']);

  const from = stores.streams.deviceLists.getCurrentToken();
  publisher.write((changes) => changes.devicesChanged(alice, ['D1', 'D2', 'D1']));
  const rows = stores.deviceLists.getRows(from, stores.streams.deviceLists.getCurrentToken(), 100).rows.map((r) => r.entity);
  assert.deepEqual(rows, [alice, alice, 'b.test', 'b.test', 'c.test', 'c.test']);
  const last = stores.streams.deviceLists.getCurrentToken();
  assert.equal(last, from + 6);
  // The user and each of their rooms are woken, at the position written.
  const woken = seen.filter((n) => n.stream === DEVICE_LISTS_STREAM);
  assert.deepEqual(woken.map((n) => [n.position, n.userIds ?? n.roomId]), [
    [last, [alice]],
    [last, room1],
    [last, room2],
  ]);
});

test('a change that fails writes nothing and wakes no one; no devices writes nothing', (t) => {
  const { stores, publisher, seen } = setUp(t);
  const from = stores.streams.deviceLists.getCurrentToken();
  assert.throws(
    () =>
      publisher.write((changes) => {
        changes.devicesChanged(alice, ['D1']);
        throw new Error('the change itself failed');
      }),
    /failed/,
  );
  assert.deepEqual(stores.deviceLists.getUsersWhoseDevicesChanged(from, from + 10), []);
  assert.equal(stores.db.prepare('SELECT COUNT(*) FROM device_lists_stream').pluck().get(), 0);
  publisher.write((changes) => changes.devicesChanged(alice, []));
  assert.deepEqual(seen, []);
});

test('signature changes share the device-list generator and wake only the signer', (t) => {
  const { stores, publisher, seen } = setUp(t);
  publisher.write((changes) => changes.devicesChanged(alice, ['D1']));
  const afterDevice = stores.streams.deviceLists.getCurrentToken();
  publisher.write((changes) => changes.signaturesChanged(alice, ['@bob:hs.test', '@carol:hs.test']));
  const afterSignature = stores.streams.deviceLists.getCurrentToken();
  assert.equal(afterSignature, afterDevice + 1);
  assert.deepEqual(stores.crossSigningKeys.usersSignedBetween(alice, afterDevice, afterSignature), ['@bob:hs.test', '@carol:hs.test']);
  assert.deepEqual(stores.crossSigningKeys.usersSignedBetween('@bob:hs.test', afterDevice, afterSignature), []);
  assert.deepEqual(seen.at(-1), { stream: DEVICE_LISTS_STREAM, position: afterSignature, userIds: [alice] });
});
