/**
 * Events persisted per second through the EventsPersistenceController (batched, realistic signed message
 * events with state), against raw better-sqlite3 inserts of the same rows, in transactions of the same size,
 * on a database with the same schema and pragmas. Target: the controller keeps at least 25% of the raw rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeOnce, ratio, type Benchmark } from './harness.ts';
import { openDataDirectory } from '../core/storage/dataDirectory.ts';
import { Storage } from '../core/storage/storage.ts';
import { LocalEventPersister } from '../core/storage/eventPersister.ts';
import { EventCreationHandler } from '../core/handlers/events/eventCreationHandler.ts';
import { identicalStatesOnlyResolver } from '../core/state/stateResolver.ts';
import { buildEvent } from '../core/events/eventBuilder.ts';
import type { RoomEvent } from '../core/events/roomEvent.ts';
import { openDatabase } from '../core/storage/engine/database.ts';
import { applyMigrations } from '../core/storage/engine/migrations.ts';
import { MAIN_MIGRATIONS } from '../core/storage/schema/mainMigrations.ts';
import { canonicalJson } from '../core/crypto/canonicalJson.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 6000);
const BATCH = 100;

const benchmark: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-persist-'));
  try {
    const dataDir = openDataDirectory(join(dir, 'controller'), { serverName: 'bench.test' });
    const storage = new Storage({ db: dataDir.db, serverName: 'bench.test', identity: { instanceName: 'main', eventsWriter: 'main' }, stateResolver: identicalStatesOnlyResolver });
    const controller = storage.persistence!;
    const signer = { serverName: 'bench.test', signingKey: dataDir.signingKey };
    const handler = new EventCreationHandler(storage.stores, storage.stateController, new LocalEventPersister(controller), signer);
    const roomId = '!bench:bench.test';
    const alice = '@alice:bench.test';
    await handler.send({ roomId, sender: alice, type: 'm.room.create', stateKey: '', content: { room_version: '11' }, roomVersion: '11' });
    for (const [type, key, content] of [
      ['m.room.member', alice, { membership: 'join', displayname: 'Alice' }],
      ['m.room.power_levels', '', { users: { [alice]: 100 } }],
      ['m.room.join_rules', '', { join_rule: 'public' }],
      ['m.room.history_visibility', '', { history_visibility: 'shared' }],
      ['m.room.name', '', { name: 'Benchmark room' }],
    ] as const) {
      await handler.send({ roomId, sender: alice, type, stateKey: key, content: content as never });
    }
    for (let i = 0; i < 20; i++) await handler.send({ roomId, sender: `@u${i}:bench.test`, type: 'm.room.member', stateKey: `@u${i}:bench.test`, content: { membership: 'join' } });

    // Prebuild a chain of signed messages: building and signing is event creation, not persistence.
    const [head] = await storage.stores.events.getLatestEventIdsInRoom(roomId);
    const headEvent = (await storage.stores.events.getEvent(head!))!.event;
    const state = await storage.stores.roomState.getCurrentStateIds(roomId);
    const group = storage.stores.stateGroups.getStateGroupsForEvents([head!]).get(head!)!;
    const authEventIds = [...state].filter(([k]) => k.includes('m.room.create') || k.includes('m.room.power_levels') || k.includes(`"${alice}"`)).map(([, id]) => id);
    const events: RoomEvent[] = [];
    let prev = headEvent;
    for (let i = 0; i < EVENTS; i++) {
      const event = buildEvent(
        { type: 'm.room.message', roomId, sender: alice, content: { msgtype: 'm.text', body: `Message number ${i}: the quick brown fox jumps over the lazy dog.` }, prevEvents: [prev], authEventIds },
        prev.roomVersion,
        signer,
      );
      events.push(event);
      prev = event;
    }
    const context = { stateGroupBefore: group, stateGroupAfter: group, rejectedReason: null };

    const ours = await timeOnce(`EventsPersistenceController, batches of ${BATCH}`, EVENTS, async () => {
      for (let i = 0; i < EVENTS; i += BATCH) {
        await controller.persistEvents(events.slice(i, i + BATCH).map((event) => ({ event, context })));
      }
    });
    dataDir.close();

    // The same rows inserted raw, on a database with the same schema and settings.
    const raw = openDatabase(join(dir, 'raw', 'raw.db'));
    applyMigrations(raw, MAIN_MIGRATIONS);
    const insertEvent = raw.prepare(
      `INSERT INTO events (stream_ordering, event_id, room_id, type, state_key, sender, depth, origin_server_ts, received_ts, state_group) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertJson = raw.prepare('INSERT INTO event_json (stream_ordering, event_id, room_id, room_version, internal_metadata, json) VALUES (?, ?, ?, ?, ?, ?)');
    const insertEdge = raw.prepare('INSERT INTO event_edges (stream_ordering, prev_event_id) VALUES (?, ?)');
    const insertAuth = raw.prepare('INSERT INTO event_auth (stream_ordering, auth_id) VALUES (?, ?)');
    const clearExtremities = raw.prepare('DELETE FROM event_forward_extremities WHERE room_id = ?');
    const insertExtremity = raw.prepare('INSERT INTO event_forward_extremities (event_id, room_id) VALUES (?, ?)');
    const jsons = events.map((e) => canonicalJson(e.toPduJson()));
    const rawTime = await timeOnce(`raw better-sqlite3 inserts of the same rows, transactions of ${BATCH}`, EVENTS, () => {
      for (let i = 0; i < EVENTS; i += BATCH) {
        raw.transaction(() => {
          for (let j = i; j < Math.min(i + BATCH, EVENTS); j++) {
            const e = events[j]!;
            insertEvent.run(j + 1, e.eventId, e.roomId, e.type, null, e.sender, e.depth, e.originServerTs, Date.now(), group);
            insertJson.run(j + 1, e.eventId, e.roomId, '11', '{}', jsons[j]);
            for (const p of e.prevEventIds) insertEdge.run(j + 1, p);
            for (const a of e.authEventIds) insertAuth.run(j + 1, a);
          }
          clearExtremities.run(roomId);
          insertExtremity.run(events[Math.min(i + BATCH, EVENTS) - 1]!.eventId, roomId);
        }).immediate();
      }
    });
    raw.close();
    return [ratio('Event persistence throughput: controller vs raw inserts', ours, rawTime, 0.25)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
export default benchmark;
