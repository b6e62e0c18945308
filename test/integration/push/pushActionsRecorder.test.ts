/**
 * The push actions recorder over a real storage stack: catching up on events committed while it was not
 * listening (a restart), isolating an event that fails to evaluate, remote users, and power levels at the event.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture, type StorageFixture } from '../../support/storageFixture.ts';
import { PushActionsRecorder } from '../../../core/handlers/push/pushActionsRecorder.ts';
import { PushRulesHandler } from '../../../core/handlers/push/pushRulesHandler.ts';
import type { PushRuleset } from '../../../core/handlers/push/pushRule.ts';

const ALICE = '@alice:hs.test';
const BOB = '@bob:hs.test';
const CAROL = '@carol:hs.test';

function rowsFor(fixture: StorageFixture, userId: string): { event_id: string; highlight: number }[] {
  return fixture.storage.stores.db.prepare('SELECT event_id, highlight FROM event_push_actions WHERE user_id = ? ORDER BY stream_ordering').all(userId) as {
    event_id: string;
    highlight: number;
  }[];
}

function recorderFor(fixture: StorageFixture, t: TestContext, rulesFor?: (userId: string) => Promise<PushRuleset>, recordDelayMs?: number) {
  const errors: string[] = [];
  const rules = new PushRulesHandler(fixture.storage.stores, fixture.storage.invalidations);
  const recorder = new PushActionsRecorder({
    stores: fixture.storage.stores,
    rulesFor: rulesFor ?? ((userId) => rules.getRuleset(userId)),
    onError: (message) => errors.push(message),
    ...(recordDelayMs === undefined ? {} : { recordDelayMs }),
  });
  recorder.attach(fixture.storage.persistence!);
  t.after(() => recorder.detach());
  return { recorder, errors };
}

async function room(fixture: StorageFixture): Promise<string> {
  const roomId = await fixture.createRoom(BOB);
  await fixture.join(roomId, ALICE);
  await fixture.join(roomId, CAROL);
  return roomId;
}

test('events committed while nobody recorded (a restart) are caught up on, then live events follow', async (t) => {
  const fixture = openStorageFixture(t);
  const roomId = await room(fixture);
  const early = [await fixture.message(roomId, BOB, 'one'), await fixture.message(roomId, BOB, 'two')];
  const stores = fixture.storage.stores;
  assert.equal(stores.pushActions.getRecordedPosition(), 0);
  assert.deepEqual(rowsFor(fixture, ALICE), []);

  const { recorder, errors } = recorderFor(fixture, t);
  await recorder.flush();
  assert.deepEqual(rowsFor(fixture, ALICE).map((r) => r.event_id), early.map((e) => e.event.eventId));
  assert.equal(stores.pushActions.getRecordedPosition(), stores.streams.events.getCurrentToken());

  const live = await fixture.message(roomId, CAROL, 'three');
  await recorder.flush();
  assert.deepEqual(rowsFor(fixture, ALICE).map((r) => r.event_id), [...early, live].map((e) => e.event.eventId));
  assert.equal(rowsFor(fixture, CAROL).length, 2, 'carol is notified of bob\'s messages, not her own');
  assert.equal(stores.pushActions.getRecordedPosition(), live.streamOrdering);
  assert.deepEqual(errors, []);
  assert.deepEqual(stores.pushActions.getUnreadCounts(ALICE, roomId), { notificationCount: 3, highlightCount: 0 });
});

test('an event that fails to evaluate is reported and skipped; later events are recorded', async (t) => {
  const fixture = openStorageFixture(t);
  const roomId = await room(fixture);
  const rules = new PushRulesHandler(fixture.storage.stores, fixture.storage.invalidations);
  let failNext = false;
  const { recorder, errors } = recorderFor(fixture, t, async (userId) => {
    if (failNext) {
      failNext = false;
      throw new Error('boom');
    }
    return rules.getRuleset(userId);
  });
  await recorder.flush();
  failNext = true;
  await fixture.message(roomId, BOB, 'lost for somebody');
  const ok = await fixture.message(roomId, BOB, 'fine');
  await recorder.flush();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /failed to evaluate push rules/);
  assert.ok(rowsFor(fixture, ALICE).some((r) => r.event_id === ok.event.eventId));
  assert.ok(rowsFor(fixture, CAROL).some((r) => r.event_id === ok.event.eventId));
});

test('remote members are never recorded; events from remote senders notify local members', async (t) => {
  const fixture = openStorageFixture(t);
  const roomId = await room(fixture);
  const remote = fixture.remote('other.test');
  const { recorder } = recorderFor(fixture, t);
  const REMOTE = '@dan:other.test';
  await remote.handler.send({ roomId, sender: REMOTE, type: 'm.room.member', stateKey: REMOTE, content: { membership: 'join' } });
  const fromRemote = await remote.handler.send({ roomId, sender: REMOTE, type: 'm.room.message', content: { msgtype: 'm.text', body: 'hi from afar', 'm.mentions': { user_ids: [ALICE] } } });
  await fixture.message(roomId, ALICE, 'hello dan');
  await recorder.flush();
  assert.deepEqual(rowsFor(fixture, ALICE), [{ event_id: fromRemote.event.eventId, highlight: 1 }]);
  assert.deepEqual(rowsFor(fixture, REMOTE), []);
});

test('@room permission is judged by the power levels before the event', async (t) => {
  const fixture = openStorageFixture(t);
  const roomId = await room(fixture);
  const { recorder } = recorderFor(fixture, t);
  const atRoom = { msgtype: 'm.text', body: 'all hands', 'm.mentions': { room: true } };
  const before = await fixture.send({ roomId, sender: CAROL, type: 'm.room.message', content: atRoom });
  await fixture.state(roomId, BOB, 'm.room.power_levels', '', { users: { [BOB]: 100, [CAROL]: 50 }, users_default: 0, events_default: 0, state_default: 50 });
  const after = await fixture.send({ roomId, sender: CAROL, type: 'm.room.message', content: atRoom });
  await fixture.state(roomId, BOB, 'm.room.power_levels', '', { users: { [BOB]: 100, [CAROL]: 50 }, notifications: { room: 51 } });
  const raised = await fixture.send({ roomId, sender: CAROL, type: 'm.room.message', content: atRoom });
  await recorder.flush();
  assert.deepEqual(rowsFor(fixture, ALICE), [
    { event_id: before.event.eventId, highlight: 0 },
    { event_id: after.event.eventId, highlight: 1 },
    { event_id: raised.event.eventId, highlight: 0 },
  ]);
});

test('batches of several rooms committed together are all recorded, with the position at the last of them', async (t) => {
  const fixture = openStorageFixture(t);
  const rooms = [await room(fixture), await room(fixture), await room(fixture)];
  const { recorder, errors } = recorderFor(fixture, t);
  await recorder.flush();
  // Sent together, so their batches share group transactions and reach the recorder while it is busy.
  const sent = await Promise.all(rooms.flatMap((roomId) => [fixture.message(roomId, BOB, 'a'), fixture.message(roomId, CAROL, 'b')]));
  await recorder.flush();
  const stores = fixture.storage.stores;
  assert.deepEqual(errors, []);
  assert.equal(stores.pushActions.getRecordedPosition(), stores.streams.events.getCurrentToken());
  const expected = sent.map((s) => s.event.eventId).sort();
  assert.deepEqual(rowsFor(fixture, ALICE).map((r) => r.event_id).sort(), expected);
  for (const roomId of rooms) {
    assert.deepEqual(stores.pushActions.getUnreadCounts(ALICE, roomId), { notificationCount: 2, highlightCount: 0 });
    assert.deepEqual(stores.pushActions.getUnreadCounts(CAROL, roomId), { notificationCount: 0, highlightCount: 0 }, 'her own message moved her read position');
  }
});

test('rows wait for the next events\' transaction, but not when somebody flushes', async (t) => {
  const fixture = openStorageFixture(t);
  const roomId = await room(fixture);
  // A delay no test waits for: rows that reach the disk were carried by a later transaction or by flush.
  const { recorder, errors } = recorderFor(fixture, t, undefined, 3_600_000);
  await recorder.flush();
  const first = await fixture.message(roomId, BOB, 'one');
  const second = await fixture.message(roomId, BOB, 'two');
  // The second message's transaction carried the rows of the first.
  assert.ok(rowsFor(fixture, ALICE).some((r) => r.event_id === first.event.eventId));
  await recorder.flush();
  assert.deepEqual(rowsFor(fixture, ALICE).map((r) => r.event_id), [first.event.eventId, second.event.eventId]);
  assert.equal(fixture.storage.stores.pushActions.getRecordedPosition(), second.streamOrdering);
  assert.deepEqual(errors, []);
});
