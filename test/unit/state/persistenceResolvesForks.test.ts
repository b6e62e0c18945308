/**
 * RoomStateResolver wired into the real storage stack: a room forks (two events with the same prev event,
 * persisted through the events persistence controller), and the current state of the two forward extremities is
 * the resolution of the two branches' states; a later event on both extremities builds on that resolution.
 * The events of the batch being persisted are not in storage yet; the controller resolves with them in memory
 * (`withInMemoryEvents`), since they may be the ones that decide the fork.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { buildEvent } from '../../../core/events/eventBuilder.ts';
import type { RoomEvent } from '../../../core/events/roomEvent.ts';
import { getRoomVersion } from '../../../core/events/roomVersions.ts';
import { selectAuthEventStateKeys } from '../../../core/auth/authEventSelection.ts';
import { EventAuthReadStore } from '../../../core/storage/databases/main/eventAuthReadStore.ts';
import { RoomStateResolver } from '../../../core/state/roomStateResolver.ts';
import { stateKey } from '../../../core/state/stateMap.ts';
import { withInMemoryEvents } from '../../../core/state/stateResolver.ts';
import { openStorageFixture, type StorageFixture } from '../../support/storageFixture.ts';

const alice = '@alice:hs.test';
const bob = '@bob:hs.test';
const PL = stateKey('m.room.power_levels', '');
const TOPIC = stateKey('m.room.topic', '');

/** A storage fixture whose state resolver is ours, reading auth chains from the fixture's own database. */
function fixtureWithResolver(t: TestContext): StorageFixture & { resolver: RoomStateResolver } {
  let store: EventAuthReadStore | null = null;
  const resolver = new RoomStateResolver({
    // The store needs the database the fixture opens, so it is bound once the fixture exists.
    authChains: { getAuthEdges: (ids) => store!.getAuthEdges(ids) },
    rejections: { getRejectedEventIds: (ids) => store!.getRejectedEventIds(ids) },
  });
  const fx = openStorageFixture(t, { resolver });
  store = new EventAuthReadStore(fx.storage.stores.db);
  return Object.assign(fx, { resolver });
}

/** Builds a local event on top of the room's single forward extremity, with auth events from the current state. */
async function buildOnLatest(fx: StorageFixture, roomId: string, spec: { sender: string; type: string; stateKey: string; content: JsonObject }): Promise<RoomEvent> {
  const { stores } = fx.storage;
  const version = getRoomVersion((await stores.events.getRoomVersionId(roomId))!);
  const latestIds = await stores.events.getLatestEventIdsInRoom(roomId);
  assert.equal(latestIds.length, 1, 'forked from a single extremity');
  const latest = (await stores.events.getEvent(latestIds[0]!))!.event;
  const current = await stores.roomState.getCurrentStateIds(roomId);
  const authEventIds = selectAuthEventStateKeys({ ...spec, stateKey: spec.stateKey }, version)
    .map((key) => current.get(key))
    .filter((id): id is string => id !== undefined);
  return buildEvent(
    { type: spec.type, roomId, sender: spec.sender, content: spec.content, stateKey: spec.stateKey, prevEvents: [latest], authEventIds },
    version,
    { serverName: fx.serverName, signingKey: fx.dataDir.signingKey },
  );
}

async function persist(fx: StorageFixture, event: RoomEvent): Promise<void> {
  const context = await fx.storage.stateController.computeContext(event);
  await fx.storage.persistence!.persistEvents([{ event, context }]);
}


/** A room where Bob is a moderator, forked into a demotion of Bob by Alice and a topic by Bob. */
async function forkedRoom(fx: StorageFixture) {
  const roomId = await fx.createRoom(alice);
  await fx.join(roomId, bob);
  await fx.state(roomId, alice, 'm.room.power_levels', '', { users: { [alice]: 100, [bob]: 50 }, state_default: 50 });
  const demotion = await buildOnLatest(fx, roomId, { sender: alice, type: 'm.room.power_levels', stateKey: '', content: { users: { [alice]: 100 }, state_default: 50 } });
  const bobsTopic = await buildOnLatest(fx, roomId, { sender: bob, type: 'm.room.topic', stateKey: '', content: { topic: 'Bob was here' } });
  return { roomId, demotion, bobsTopic };
}

test('a fork persisted through the events persistence controller, then an event on both extremities: the resolution holds', async (t) => {
  const fx = fixtureWithResolver(t);
  const { roomId, demotion, bobsTopic } = await forkedRoom(fx);
  await persist(fx, demotion);
  await persist(fx, bobsTopic);

  const { stores } = fx.storage;
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [demotion.eventId, bobsTopic.eventId].sort(), 'two forward extremities');
  const current = await stores.roomState.getCurrentStateIds(roomId);
  assert.equal(current.get(PL), demotion.eventId, 'the demotion stands');
  assert.equal(current.has(TOPIC), false, "Bob's topic lost its authority in the resolution");

  // A new event follows both extremities; its state before is the resolution (of stored events), and the fork closes.
  const merged = await fx.state(roomId, alice, 'm.room.name', '', { name: 'merged' });
  assert.deepEqual(new Set(merged.event.prevEventIds), new Set([demotion.eventId, bobsTopic.eventId]));
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [merged.event.eventId]);
  const after = await stores.roomState.getCurrentStateIds(roomId);
  assert.equal(after.get(PL), demotion.eventId);
  assert.equal(after.has(TOPIC), false);
  assert.equal(after.get(stateKey('m.room.name', '')), merged.event.eventId);
  assert.ok(merged.event.authEventIds.includes(demotion.eventId), 'the new event is authorised by the resolved power levels');
});

test('a fork whose deciding event is the one being persisted: the current state of the two extremities', async (t) => {
  const fx = fixtureWithResolver(t);
  const { roomId, demotion, bobsTopic } = await forkedRoom(fx);
  await persist(fx, bobsTopic);
  await persist(fx, demotion);
  const current = await fx.storage.stores.roomState.getCurrentStateIds(roomId);
  assert.equal(current.get(PL), demotion.eventId, 'the demotion stands');
  assert.equal(current.has(TOPIC), false, "Bob's topic lost its authority in the resolution");
});

test('a fork in a room version 1 room is resolved by state resolution v1 (equal depth: smaller sha1 wins)', async (t) => {
  const fx = fixtureWithResolver(t);
  const roomId = await fx.createRoom(alice, { roomVersion: '1' });
  const first = await buildOnLatest(fx, roomId, { sender: alice, type: 'm.room.topic', stateKey: '', content: { topic: 'one' } });
  const second = await buildOnLatest(fx, roomId, { sender: alice, type: 'm.room.topic', stateKey: '', content: { topic: 'two' } });
  await persist(fx, first);
  await persist(fx, second);
  const expected = sha1(first) < sha1(second) ? first : second;
  const current = await fx.storage.stores.roomState.getCurrentStateIds(roomId);
  assert.equal(current.get(TOPIC), expected.eventId);
  assert.equal((await fx.storage.stores.events.getLatestEventIdsInRoom(roomId)).length, 2);
});

test('a fork in a room version 1 room, closed by a later event: state resolution v1 decides', async (t) => {
  const fx = fixtureWithResolver(t);
  const roomId = await fx.createRoom(alice, { roomVersion: '1' });
  const first = await buildOnLatest(fx, roomId, { sender: alice, type: 'm.room.topic', stateKey: '', content: { topic: 'one' } });
  const second = await buildOnLatest(fx, roomId, { sender: alice, type: 'm.room.topic', stateKey: '', content: { topic: 'two' } });
  await persist(fx, first);
  await persist(fx, second);
  const merged = await fx.state(roomId, alice, 'm.room.name', '', { name: 'merged' });
  const expected = sha1(first) < sha1(second) ? first : second;
  assert.equal((await fx.storage.stores.roomState.getCurrentStateIds(roomId)).get(TOPIC), expected.eventId);
  assert.equal(merged.event.prevEventIds.length, 2);
});

test('concurrent changes of different keys persisted in one batch are both kept (room v11)', async (t) => {
  const fx = fixtureWithResolver(t);
  const roomId = await fx.createRoom(alice);
  const topic = await buildOnLatest(fx, roomId, { sender: alice, type: 'm.room.topic', stateKey: '', content: { topic: 'topic' } });
  const name = await buildOnLatest(fx, roomId, { sender: alice, type: 'm.room.name', stateKey: '', content: { name: 'name' } });
  const contexts = await Promise.all([topic, name].map((e) => fx.storage.stateController.computeContext(e)));
  await fx.storage.persistence!.persistEvents([
    { event: topic, context: contexts[0]! },
    { event: name, context: contexts[1]! },
  ]);
  const current = await fx.storage.stores.roomState.getCurrentStateIds(roomId);
  assert.equal(current.get(TOPIC), topic.eventId);
  assert.equal(current.get(stateKey('m.room.name', '')), name.eventId);
});

test('the resolver over the real database with the in-flight event loaded from memory resolves the fork correctly', async (t) => {
  const fx = fixtureWithResolver(t);
  const { roomId, demotion, bobsTopic } = await forkedRoom(fx);
  await persist(fx, bobsTopic);
  // What the persistence controller does for the batch [demotion], with the batch's events given to the loader.
  const context = await fx.storage.stateController.computeContext(demotion);
  const [stored] = await fx.storage.stateController.statesAfter([bobsTopic.eventId]);
  const version = getRoomVersion('11');
  const loader = withInMemoryEvents([demotion], fx.storage.stateController.loadEvents);
  const resolved = await fx.resolver.resolve(roomId, version, [stored!.state, context.stateAfter!], loader);
  assert.equal(resolved.get(PL), demotion.eventId);
  assert.equal(resolved.has(TOPIC), false);
  // Without the in-memory event, storage cannot load the demotion and the resolution goes wrong: the bug above.
  const withoutIt = await fx.resolver.resolve(roomId, version, [stored!.state, context.stateAfter!], fx.storage.stateController.loadEvents);
  assert.notEqual(withoutIt.get(PL), demotion.eventId);
});

function sha1(event: RoomEvent): string {
  return createHash('sha1').update(event.eventId, 'utf8').digest('hex');
}
