/**
 * SEED-BEHAVIOURS.md §2: the write side of event persistence exists only on the events writer; another
 * instance sends its events there by replication and waits until it has caught up.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../../../core/config/configLoader.ts';
import { Homeserver } from '../../../core/homeserver.ts';
import { Logger } from '../../../core/logging/logger.ts';
import { DataStores } from '../../../core/storage/databases/mainDataStore.ts';
import { PersistEventsStore } from '../../../core/storage/databases/main/persistEventsStore.ts';
import { NotEventsWriterError } from '../../../core/storage/databases/main/eventsWriterGuard.ts';
import { EventsPersistenceController } from '../../../core/storage/controllers/eventsPersistenceController.ts';
import { StateController } from '../../../core/storage/controllers/stateController.ts';
import { CacheInvalidationStream } from '../../../core/storage/controllers/cacheInvalidationStream.ts';
import { identicalStatesOnlyResolver } from '../../../core/state/stateResolver.ts';
import type { EventCreationHandler } from '../../../core/handlers/events/eventCreationHandler.ts';
import { SIGNING_KEY_FILE } from '../../../core/storage/dataDirectory.ts';
import { tempDir } from '../../support/tempDir.ts';

const quiet = () => new Logger('error');

async function startWriter(t: TestContext, dataDir: string): Promise<Homeserver> {
  const config = buildConfig(
    { server_name: 'hs.test', instance_map: { main: { host: '127.0.0.1', port: 0 } } },
    { data_dir: dataDir, host: '127.0.0.1', port: 0 },
  );
  const writer = Homeserver.open({ config, log: quiet() });
  await writer.listen();
  t.after(() => writer.stop());
  return writer;
}

async function startWorker(t: TestContext, dataDir: string, writer: Homeserver): Promise<Homeserver> {
  const config = buildConfig(
    {
      server_name: 'hs.test',
      instance_name: 'worker1',
      instance_map: { main: { host: '127.0.0.1', port: writer.replicationListenerAddress!.port } },
    },
    { data_dir: dataDir, host: '127.0.0.1', port: 0 },
  );
  const worker = Homeserver.open({ config, log: quiet() });
  await worker.listen();
  t.after(() => worker.stop());
  return worker;
}

const roomId = '!shared:hs.test';
const alice = '@alice:hs.test';
const bob = '@bob:hs.test';

/** The same actions, with fixed timestamps so that event IDs are reproducible. */
async function scenario(handler: EventCreationHandler): Promise<void> {
  let ts = 1_700_000_000_000;
  const state = (sender: string, type: string, stateKey: string, content: Record<string, unknown>) =>
    handler.send({ roomId, sender, type, stateKey, content: content as never, originServerTs: ++ts });
  await handler.send({ roomId, sender: alice, type: 'm.room.create', stateKey: '', content: { room_version: '11' }, roomVersion: '11', originServerTs: ++ts });
  await state(alice, 'm.room.member', alice, { membership: 'join' });
  await state(alice, 'm.room.power_levels', '', { users: { [alice]: 100 } });
  await state(alice, 'm.room.join_rules', '', { join_rule: 'public' });
  await state(bob, 'm.room.member', bob, { membership: 'join', displayname: 'Bob' });
  await state(alice, 'm.room.topic', '', { topic: 'replicated' });
  await handler.send({ roomId, sender: bob, type: 'm.room.message', content: { msgtype: 'm.text', body: 'hi' }, originServerTs: ++ts });
  await state(bob, 'm.room.member', bob, { membership: 'leave' });
}

function snapshot(hs: Homeserver) {
  const db = hs.dataDirectory.db;
  return {
    currentState: db.prepare('SELECT room_id, type, state_key, event_id, membership FROM current_state_events ORDER BY type, state_key').all(),
    extremities: db.prepare('SELECT room_id, event_id FROM event_forward_extremities ORDER BY event_id').all(),
    localMembership: db.prepare('SELECT room_id, user_id, event_id, membership, event_stream_ordering FROM local_current_membership ORDER BY user_id').all(),
    events: db.prepare('SELECT event_id, stream_ordering FROM events ORDER BY stream_ordering').all(),
  };
}

async function cachedViews(hs: Homeserver) {
  const { events, roomState, members } = hs.storage.stores;
  return {
    latest: await events.getLatestEventIdsInRoom(roomId),
    state: [...(await roomState.getCurrentStateIds(roomId))].sort(),
    users: await members.getUsersInRoom(roomId),
    rooms: await members.getRoomsForUser(alice),
  };
}

test('§2 the events writer has a persist store and persists', async (t) => {
  const writer = await startWriter(t, tempDir(t));
  assert.ok(writer.storage.stores.persistEvents instanceof PersistEventsStore);
  assert.ok(writer.storage.persistence instanceof EventsPersistenceController);
  await scenario(writer.eventCreation);
  assert.equal(snapshot(writer).events.length, 8);
});

test('§2 a non-writer has no persist store, and constructing one or the controller throws', async (t) => {
  const dir = tempDir(t);
  const writer = await startWriter(t, dir);
  const worker = await startWorker(t, dir, writer);
  assert.equal(worker.storage.stores.persistEvents, null);
  assert.equal(worker.storage.persistence, null);
  const identity = { instanceName: 'worker1', eventsWriter: 'main' };
  assert.throws(() => new PersistEventsStore(worker.dataDirectory.db, identity), NotEventsWriterError);
  const stores = new DataStores({ db: worker.dataDirectory.db, serverName: 'hs.test', identity });
  const invalidations = new CacheInvalidationStream(worker.dataDirectory.db, stores.streams.caches, stores.caches, 'worker1');
  assert.throws(
    () => new EventsPersistenceController(stores, new StateController(stores, identicalStatesOnlyResolver), identicalStatesOnlyResolver, invalidations),
    NotEventsWriterError,
  );
});

test('§2 a non-writer send makes exactly one replication call and returns only after its stream position caught up', async (t) => {
  const dir = tempDir(t);
  const writer = await startWriter(t, dir);
  const worker = await startWorker(t, dir, writer);
  await scenario(writer.eventCreation);
  // Prime the worker's caches, so a stale cache would show.
  const beforeLatest = await worker.storage.stores.events.getLatestEventIdsInRoom(roomId);

  const calls = writer.replicationStats.sendEventCalls;
  const sent = await worker.eventCreation.send({ roomId, sender: alice, type: 'm.room.message', content: { body: 'from the worker' } });
  assert.equal(writer.replicationStats.sendEventCalls - calls, 1, 'exactly one replication call');
  assert.ok(worker.eventsPosition.current() >= sent.streamOrdering, 'the worker has caught up when send returns');
  assert.equal(writer.eventsPosition.current(), sent.streamOrdering);
  // Caught up includes the writer's cache invalidations: the worker sees the new extremity at once.
  const latest = await worker.storage.stores.events.getLatestEventIdsInRoom(roomId);
  assert.notDeepEqual(latest, beforeLatest);
  assert.deepEqual(latest, [sent.event.eventId]);
  assert.equal((await worker.storage.stores.events.getEvent(sent.event.eventId))?.streamOrdering, sent.streamOrdering);
});

test('§2 current state, extremities, local memberships and prefilled caches are identical whichever instance sent', async (t) => {
  // Run A: every event sent on the writer.
  const dirA = tempDir(t);
  const writerA = await startWriter(t, dirA);
  await scenario(writerA.eventCreation);

  // Run B: the same events sent through a worker, with the same signing key so event IDs match.
  const dirB = tempDir(t);
  mkdirSync(dirB, { recursive: true });
  copyFileSync(join(dirA, SIGNING_KEY_FILE), join(dirB, SIGNING_KEY_FILE));
  const writerB = await startWriter(t, dirB);
  const workerB = await startWorker(t, dirB, writerB);
  await scenario(workerB.eventCreation);

  assert.deepEqual(snapshot(writerB), snapshot(writerA));
  // The writer prefilled the same caches in both runs, and the worker's caches agree with them.
  for (const hs of [writerA, writerB]) {
    assert.ok(hs.storage.stores.roomState.getCurrentStateIds.cache.isCached([roomId]), 'current state prefilled');
    assert.ok(hs.storage.stores.events.getLatestEventIdsInRoom.cache.isCached([roomId]), 'extremities prefilled');
  }
  assert.deepEqual(await cachedViews(writerB), await cachedViews(writerA));
  assert.deepEqual(await cachedViews(workerB), await cachedViews(writerA));
});

test('a transaction ID is idempotent across instances: a retry on either finds the event the other sent', async (t) => {
  const dir = tempDir(t);
  const writer = await startWriter(t, dir);
  const worker = await startWorker(t, dir, writer);
  await scenario(writer.eventCreation);
  const message = (txnId: string) => ({ roomId, sender: alice, type: 'm.room.message', content: { body: txnId }, txn: { deviceId: 'PHONE', txnId } });
  // The worker has read the log before the writer appends to it.
  assert.equal(worker.storage.stores.events.getEventIdForTxn(roomId, alice, 'PHONE', 'on-writer'), null);

  const onWorker = await worker.eventCreation.send(message('on-worker'));
  const calls = writer.replicationStats.sendEventCalls;
  assert.equal((await worker.eventCreation.send(message('on-worker'))).event.eventId, onWorker.event.eventId);
  assert.equal(writer.replicationStats.sendEventCalls, calls, 'the retry is answered by the worker');
  assert.equal((await writer.eventCreation.send(message('on-worker'))).event.eventId, onWorker.event.eventId);

  const onWriter = await writer.eventCreation.send(message('on-writer'));
  assert.equal((await worker.eventCreation.send(message('on-writer'))).event.eventId, onWriter.event.eventId);
  assert.equal(snapshot(writer).events.length, 10);
});
