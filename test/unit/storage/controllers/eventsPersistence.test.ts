import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../../support/storageFixture.ts';
import { stateKey } from '../../../../core/state/stateMap.ts';
import { buildEvent } from '../../../../core/events/eventBuilder.ts';
import { RoomEvent } from '../../../../core/events/roomEvent.ts';
import type { Pdu } from '../../../../core/events/pdu.ts';
import { OUTLIER_CONTEXT } from '../../../../core/state/eventContext.ts';
import { EventAuthReadStore } from '../../../../core/storage/databases/main/eventAuthReadStore.ts';

/** A room created by alice, its latest event, and a signer for events of `signerServer`. */
async function roomAtHead(t: TestContext, signerServer: string) {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom('@alice:hs.test');
  const { stores, persistence, stateController } = fx.storage;
  const head = (await stores.events.getEvent((await stores.events.getLatestEventIdsInRoom(roomId))[0]!))!.event;
  return { fx, roomId, stores, persistence, stateController, head, signer: { serverName: signerServer, signingKey: fx.dataDir.signingKey } };
}

test('creating a room persists its events, current state, extremities and memberships', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom('@alice:hs.test');
  const { stores } = fx.storage;
  const state = await stores.roomState.getCurrentStateIds(roomId);
  assert.deepEqual([...state.keys()].sort(), [
    stateKey('m.room.create', ''),
    stateKey('m.room.join_rules', ''),
    stateKey('m.room.member', '@alice:hs.test'),
    stateKey('m.room.power_levels', ''),
  ].sort());
  const msg = await fx.message(roomId, '@alice:hs.test', 'hello');
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [msg.event.eventId]);
  assert.equal(msg.event.depth, 5);
  assert.deepEqual(await stores.members.getUsersInRoom(roomId), ['@alice:hs.test']);
  assert.deepEqual(await stores.members.getRoomsForUser('@alice:hs.test'), [roomId]);
  assert.equal(await stores.members.isHostJoined(roomId, 'hs.test'), true);
  assert.equal(await stores.members.isHostJoined(roomId, 'other.test'), false);
  assert.equal(await stores.events.getRoomVersionId(roomId), '11');
  const stored = await stores.events.getEvent(msg.event.eventId);
  assert.equal(stored?.event.content.body, 'hello');
  assert.equal(stored?.streamOrdering, msg.streamOrdering);
  assert.equal(stores.streams.events.getCurrentToken(), msg.streamOrdering);
});

test('back-to-back persistEvents calls on one room each complete (no lost wake-up between batches)', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom('@alice:hs.test');
  const { stores, persistence } = fx.storage;
  let prev = (await stores.events.getEvent((await stores.events.getLatestEventIdsInRoom(roomId))[0]!))!.event;
  const signer = { serverName: 'hs.test', signingKey: fx.dataDir.signingKey };
  // Messages do not change state: they all share the state group after the head.
  const group = stores.stateGroups.getStateGroupsForEvents([prev.eventId]).get(prev.eventId)!;
  const context = { stateGroupBefore: group, stateGroupAfter: group, rejectedReason: null };
  for (let round = 0; round < 5; round++) {
    const batch = [];
    for (let i = 0; i < 3; i++) {
      prev = buildEvent({ type: 'm.room.message', roomId, sender: '@alice:hs.test', content: { body: `${round}.${i}` }, prevEvents: [prev], authEventIds: prev.authEventIds }, prev.roomVersion, signer);
      batch.push({ event: prev, context });
    }
    // Awaited directly, so the next call comes in the same microtask turn as the worker finishing.
    const results = await persistence!.persistEvents(batch);
    assert.equal(results.length, 3);
  }
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [prev.eventId]);
});

test('events queued together are written in one batch, in order; duplicates keep their first position', async (t) => {
  const { roomId, stores, persistence, stateController, head, signer } = await roomAtHead(t, 'hs.test');
  const a = buildEvent({ type: 'm.room.message', roomId, sender: '@alice:hs.test', content: { body: 'a' }, prevEvents: [head], authEventIds: head.authEventIds }, head.roomVersion, signer);
  const b = buildEvent({ type: 'm.room.message', roomId, sender: '@alice:hs.test', content: { body: 'b' }, prevEvents: [a], authEventIds: head.authEventIds }, head.roomVersion, signer);
  const ctxA = await stateController.computeContext(a);
  const batches: number[] = [];
  persistence!.onPersisted((batch) => batches.push(batch.events.length));
  const [ra, rb] = await Promise.all([persistence!.persistEvent(a, ctxA), persistence!.persistEvent(b, ctxA)]);
  assert.deepEqual(batches, [2], 'one transaction for both');
  assert.equal(rb!.streamOrdering, ra!.streamOrdering + 1);
  const again = await persistence!.persistEvent(a, ctxA);
  assert.deepEqual(again, { eventId: a.eventId, streamOrdering: ra!.streamOrdering, newlyPersisted: false });
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [b.eventId]);
});

test('events just persisted are cached as reading them back would give them', async (t) => {
  const fx = openStorageFixture(t);
  const alice = '@alice:hs.test';
  const roomId = await fx.createRoom(alice);
  const { stores } = fx.storage;
  const message = await fx.send({ roomId, sender: alice, type: 'm.room.message', content: { msgtype: 'm.text', body: 'hi' }, txn: { deviceId: 'DEV', txnId: 't1' } });
  const topic = await fx.state(roomId, alice, 'm.room.topic', '', { topic: 'one' });
  const retopic = await fx.state(roomId, alice, 'm.room.topic', '', { topic: 'two' });
  const redaction = await fx.send({ roomId, sender: alice, type: 'm.room.redaction', redacts: message.event.eventId, content: { redacts: message.event.eventId } });
  const ids = [message, topic, retopic, redaction].map((s) => s.event.eventId);
  const misses = stores.events.getEvent.stats.misses;
  const cached = await Promise.all(ids.map((id) => stores.events.getEvent(id)));
  // The redacted message was read back (its redaction changed it); the others came from persistence.
  assert.equal(stores.events.getEvent.stats.misses - misses, 1);
  for (const id of ids) stores.events.getEvent.invalidate([id]);
  const fetched = await Promise.all(ids.map((id) => stores.events.getEvent(id)));
  assert.deepEqual(cached, fetched);
  assert.equal(cached[2]?.event.internal.replacesState, topic.event.eventId);
  assert.equal(cached[0]?.event.internal.txnId, 't1');
  assert.deepEqual(cached[0]?.redactionIds, [redaction.event.eventId]);
});

test('a remote event that arrives after its child does not become a forward extremity; state groups are remembered', async (t) => {
  const { roomId, stores, persistence, stateController, head, signer } = await roomAtHead(t, 'other.test');
  const parent = buildEvent({ type: 'm.room.message', roomId, sender: '@bob:other.test', content: { body: 'parent' }, prevEvents: [head], authEventIds: head.authEventIds }, head.roomVersion, signer);
  const child = buildEvent({ type: 'm.room.message', roomId, sender: '@bob:other.test', content: { body: 'child' }, prevEvents: [parent], authEventIds: head.authEventIds }, head.roomVersion, signer);
  const context = await stateController.computeContext(parent);
  await persistence!.persistEvent(child, context);
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [child.eventId].concat(head.eventId).sort(), 'the parent is missing: the head stays');
  const waiting = () => stores.db.prepare('SELECT prev_event_id FROM event_prev_waiting').pluck().all();
  assert.deepEqual(waiting(), [parent.eventId], 'the child waits for its missing prev event');
  await persistence!.persistEvent(parent, context);
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [child.eventId], 'the parent already has a child');
  assert.deepEqual(waiting(), [], 'nothing waits once the parent is in the DAG');
  const fromDb = stores.db.prepare('SELECT event_id, state_group FROM events WHERE event_id IN (?, ?) AND state_group IS NOT NULL').all(parent.eventId, child.eventId) as { event_id: string; state_group: number }[];
  assert.deepEqual(stores.stateGroups.getStateGroupsForEvents([parent.eventId, child.eventId]), new Map(fromDb.map((r) => [r.event_id, r.state_group])));
  assert.deepEqual(stores.events.storedPositions([parent.eventId, 'missing']).has('missing'), false);
  assert.equal(stores.events.storedPositions([parent.eventId]).get(parent.eventId)?.outlier, false);
});

test('an outlier that later arrives in the DAG moves to a new stream position with its JSON, edges and state group', async (t) => {
  const { roomId, stores, persistence, stateController, head, signer } = await roomAtHead(t, 'other.test');
  const outlier = buildEvent({ type: 'm.room.message', roomId, sender: '@bob:other.test', content: { body: 'first an outlier' }, prevEvents: [head], authEventIds: head.authEventIds }, head.roomVersion, signer, { outlier: true });
  const first = await persistence!.persistEvent(outlier, OUTLIER_CONTEXT);
  assert.equal((await stores.events.getEvent(outlier.eventId))?.outlier, true);
  const inDag = RoomEvent.fromTrusted(outlier.pdu as Pdu, outlier.roomVersion, outlier.eventId, {});
  const context = await stateController.computeContext(inDag);
  const moved = await persistence!.persistEvent(inDag, context);
  assert.equal(moved.newlyPersisted, true);
  assert.ok(moved.streamOrdering > first.streamOrdering);
  stores.events.getEvent.invalidate([outlier.eventId]);
  const stored = await stores.events.getEvent(outlier.eventId);
  assert.equal(stored?.outlier, false);
  assert.equal(stored?.streamOrdering, moved.streamOrdering);
  assert.equal(stored?.event.content.body, 'first an outlier');
  assert.equal(stores.db.prepare('SELECT count(*) FROM event_json WHERE event_id = ?').pluck().get(outlier.eventId), 1);
  assert.equal(stores.db.prepare('SELECT count(*) FROM event_edges WHERE stream_ordering = ?').pluck().get(moved.streamOrdering), 1);
  // Its auth edges moved with it: the auth DAG still reaches its auth events.
  const authEdges = await new EventAuthReadStore(stores.db).getAuthEdges([outlier.eventId]);
  assert.deepEqual(authEdges.get(outlier.eventId)?.authEventIds.slice().sort(), [...outlier.authEventIds].sort());
  assert.equal(stores.stateGroups.getStateGroupsForEvents([outlier.eventId]).get(outlier.eventId), context.stateGroupAfter);
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [outlier.eventId]);
});
