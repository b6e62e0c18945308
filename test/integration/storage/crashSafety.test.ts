/**
 * Crash safety of event persistence: an event whose persistence call returned is on disk, a transaction that
 * throws leaves no partial rows, and the database passes an integrity check after a SIGKILL mid write storm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../../core/storage/engine/database.ts';
import { openStorageFixture } from '../../support/storageFixture.ts';
import { REPO_ROOT } from '../../support/cliProcess.ts';
import { tempDir } from '../../support/tempDir.ts';
import { DATABASE_FILE } from '../../../core/storage/dataDirectory.ts';

test('a persistence transaction that throws leaves no partial rows and reuses no IDs', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom('@alice:hs.test');
  const msg = await fx.message(roomId, '@alice:hs.test', 'target');
  const db = fx.dataDir.db;
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const tables = ['events', 'event_json', 'event_edges', 'event_auth', 'redactions', 'current_state_delta_stream', 'cache_invalidation_stream'];
  const before = Object.fromEntries(tables.map((table) => [table, count(table)]));
  const token = fx.storage.stores.streams.events.getCurrentToken();
  const extremities = await fx.storage.stores.events.getLatestEventIdsInRoom(roomId);

  // A real failure inside the transaction, after the events, edges and auth rows were written.
  db.exec("CREATE TEMP TRIGGER fail_redactions BEFORE INSERT ON redactions BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;");
  await assert.rejects(fx.send({ roomId, sender: '@alice:hs.test', type: 'm.room.redaction', content: {}, redacts: msg.event.eventId }), /simulated failure/);
  assert.deepEqual(Object.fromEntries(tables.map((table) => [table, count(table)])), before);
  assert.equal(fx.storage.stores.streams.events.getCurrentToken(), token);
  assert.deepEqual(await fx.storage.stores.events.getLatestEventIdsInRoom(roomId), extremities);

  db.exec('DROP TRIGGER fail_redactions');
  const next = await fx.message(roomId, '@alice:hs.test', 'after the failure');
  assert.equal(next.streamOrdering, token + 1, 'the aborted position is handed out again');
  assert.deepEqual(await fx.storage.stores.events.getLatestEventIdsInRoom(roomId), [next.event.eventId]);
});

test('stream positions survive a restart with no reuse', async (t) => {
  const dir = tempDir(t);
  let lastPosition: number;
  {
    const fx = openStorageFixture(t, { dir });
    const roomId = await fx.createRoom('@alice:hs.test', { roomId: '!restart:hs.test' });
    lastPosition = (await fx.message(roomId, '@alice:hs.test', 'before restart')).streamOrdering;
    fx.dataDir.close();
  }
  const fx = openStorageFixture(t, { dir });
  assert.equal(fx.storage.stores.streams.events.getCurrentToken(), lastPosition);
  const after = await fx.message('!restart:hs.test', '@alice:hs.test', 'after restart');
  assert.equal(after.streamOrdering, lastPosition + 1);
  const cachesToken = fx.storage.stores.streams.caches.getCurrentToken();
  assert.ok(cachesToken > 0);
});

test('the device-list generator takes the max over its three tables (SEED-BEHAVIOURS.md §3)', async (t) => {
  const dir = tempDir(t);
  const fx = openStorageFixture(t, { dir });
  const db = fx.dataDir.db;
  db.prepare("INSERT INTO device_lists_stream (stream_id, user_id, device_id) VALUES (5, '@u:hs.test', 'D1')").run();
  db.prepare("INSERT INTO user_signature_stream (stream_id, from_user_id, user_ids) VALUES (7, '@u:hs.test', '[]')").run();
  db.prepare("INSERT INTO device_lists_outbound_pokes (destination, stream_id, user_id, device_id, ts) VALUES ('h1', 9, '@u:hs.test', 'D1', 0)").run();
  fx.dataDir.close();
  const reopened = openStorageFixture(t, { dir });
  assert.equal(reopened.storage.stores.streams.deviceLists.getCurrentToken(), 9);
});

test('after SIGKILL in the middle of a write storm, every returned event is on disk and the database is intact', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'test', 'support', 'writeStormChild.ts'), dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const persisted: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith('persisted ')) persisted.push(line.slice('persisted '.length));
      if (persisted.length >= 300) resolve();
    });
    child.on('exit', (code) => reject(new Error(`storm child exited early (${code}): ${stderr}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));

  const db = openDatabase(join(dir, DATABASE_FILE));
  t.after(() => db.close());
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const have = db.prepare('SELECT 1 FROM events e JOIN event_json j ON j.stream_ordering = e.stream_ordering WHERE e.event_id = ?').pluck();
  const missing = persisted.filter((id) => !have.get(id));
  assert.deepEqual(missing, [], 'every event whose persistence returned is on disk');
  // No half-written events: every event has its JSON and, being a message after the join, its edges.
  const orphans = db.prepare('SELECT COUNT(*) FROM events e LEFT JOIN event_json j ON j.stream_ordering = e.stream_ordering WHERE j.event_id IS NULL').pluck().get();
  assert.equal(orphans, 0);
  const withoutEdges = db
    .prepare("SELECT COUNT(*) FROM events e WHERE e.type = 'm.room.message' AND NOT EXISTS (SELECT 1 FROM event_edges x WHERE x.stream_ordering = e.stream_ordering)")
    .pluck()
    .get();
  assert.equal(withoutEdges, 0);
  // Each room's forward extremities are events we hold.
  const danglingExtremities = db
    .prepare('SELECT COUNT(*) FROM event_forward_extremities f LEFT JOIN events e USING (event_id) WHERE e.event_id IS NULL')
    .pluck()
    .get();
  assert.equal(danglingExtremities, 0);
  db.close();

  // The server starts again on the same data and carries on without reusing positions.
  const fx = openStorageFixture(t, { dir, serverName: 'storm.test' });
  const maxBefore = fx.dataDir.db.prepare('SELECT MAX(stream_ordering) FROM events').pluck().get() as number;
  assert.equal(fx.storage.stores.streams.events.getCurrentToken(), maxBefore);
  const after = await fx.message('!storm1:storm.test', '@alice:storm.test', 'after the crash');
  assert.equal(after.streamOrdering, maxBefore + 1);
});
