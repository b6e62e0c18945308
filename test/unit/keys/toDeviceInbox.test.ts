/**
 * The to-device inbox and its stream: one ID per send shared by its rows, reads bounded and limited with a
 * resumable position, acknowledgement deletes, and a restart with an empty inbox never reuses an ID that a
 * client's sync token already passed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../support/storageFixture.ts';
import { tempDir } from '../../support/tempDir.ts';
import { E2eeSyncData } from '../../../core/handlers/keys/e2eeSyncData.ts';

const bob = '@bob:hs.test';
const txn = (id: string) => ({ userId: '@alice:hs.test', deviceId: 'A', txnId: id });
const message = (n: number) => ({ type: 'm.test', sender: '@alice:hs.test', content: { n } });

test('messages are read in order within (since, upTo], limited reads resume at the last message\'s position', (t) => {
  const fx = openStorageFixture(t);
  const { deviceInbox } = fx.storage.stores;
  const data = new E2eeSyncData(fx.storage.stores);
  const positions: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const position = deviceInbox.add(txn(`t${i}`), [
      { userId: bob, deviceId: 'B1', message: message(i) },
      { userId: bob, deviceId: 'B2', message: message(i) },
    ]);
    positions.push(position!);
  }
  assert.deepEqual(positions, [1, 2, 3, 4, 5]);
  assert.equal(data.currentToDevicePosition(), 5);

  const page1 = data.toDeviceMessages(bob, 'B1', 0, 5, 2);
  assert.deepEqual([page1.events.map((e) => (e.content as { n: number }).n), page1.nextPosition], [[1, 2], 2]);
  const page2 = data.toDeviceMessages(bob, 'B1', page1.nextPosition, 5, 2);
  assert.deepEqual([page2.events.map((e) => (e.content as { n: number }).n), page2.nextPosition], [[3, 4], 4]);
  const page3 = data.toDeviceMessages(bob, 'B1', page2.nextPosition, 5, 2);
  assert.deepEqual([page3.events.map((e) => (e.content as { n: number }).n), page3.nextPosition], [[5], 5]);
  assert.deepEqual(data.toDeviceMessages(bob, 'B1', 0, 3, Number.POSITIVE_INFINITY).events.length, 3);
  assert.deepEqual(data.toDeviceMessages(bob, 'B1', 2, 5, 0), { events: [], nextPosition: 2 });

  assert.equal(data.acknowledgeToDevice(bob, 'B1', 4), 4);
  assert.equal(deviceInbox.pendingCount(bob, 'B1'), 1);
  assert.equal(deviceInbox.pendingCount(bob, 'B2'), 5, 'other devices keep theirs');
});

test('a seen transaction writes nothing and takes no stream ID; an empty send is remembered too', (t) => {
  const fx = openStorageFixture(t);
  const { deviceInbox, streams } = fx.storage.stores;
  assert.equal(deviceInbox.add(txn('x'), [{ userId: bob, deviceId: 'B1', message: message(1) }]), 1);
  assert.equal(deviceInbox.add(txn('x'), [{ userId: bob, deviceId: 'B1', message: message(1) }]), null);
  assert.equal(streams.toDevice.getCurrentToken(), 1);
  assert.equal(deviceInbox.add(txn('empty'), []), 0);
  assert.equal(deviceInbox.add(txn('empty'), [{ userId: bob, deviceId: 'B1', message: message(2) }]), null);
  assert.equal(deviceInbox.add(txn('y'), [{ userId: bob, deviceId: 'B1', message: message(3) }]), 2);
});

test('after every message was acknowledged, a restarted server continues the to-device stream where it was', (t) => {
  const dir = tempDir(t);
  {
    const fx = openStorageFixture(t, { dir });
    const { deviceInbox } = fx.storage.stores;
    for (let i = 0; i < 3; i++) deviceInbox.add(txn(`t${i}`), [{ userId: bob, deviceId: 'B1', message: message(i) }]);
    new E2eeSyncData(fx.storage.stores).acknowledgeToDevice(bob, 'B1', 3);
    assert.equal(deviceInbox.pendingCount(bob, 'B1'), 0);
    fx.dataDir.close();
  }
  const fx = openStorageFixture(t, { dir });
  assert.equal(fx.storage.stores.streams.toDevice.getCurrentToken(), 3);
  // A client whose token says 3 must still get the next message.
  const next = fx.storage.stores.deviceInbox.add(txn('after-restart'), [{ userId: bob, deviceId: 'B1', message: message(9) }]);
  assert.equal(next, 4);
  assert.equal(new E2eeSyncData(fx.storage.stores).toDeviceMessages(bob, 'B1', 3, 4, 100).events.length, 1);
});
