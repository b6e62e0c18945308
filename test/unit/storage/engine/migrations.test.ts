import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../../../../core/storage/engine/database.ts';
import { applyMigrations, MigrationError, schemaVersion, type Migration } from '../../../../core/storage/engine/migrations.ts';
import { MAIN_MIGRATIONS } from '../../../../core/storage/schema/mainMigrations.ts';
import { tempDir } from '../../../support/tempDir.ts';

const createA: Migration = { version: 1, name: 'a', up: (db) => db.exec('CREATE TABLE a (x INTEGER)') };
const createB: Migration = { version: 2, name: 'b', up: (db) => db.exec('CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1)') };
const broken: Migration = { version: 3, name: 'broken', up: (db) => db.exec('CREATE TABLE c (z INTEGER); INSERT INTO nope VALUES (1)') };

function tables(db: ReturnType<typeof openDatabase>): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

test('the database is opened in WAL mode with a busy timeout', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.ok(Number(db.pragma('busy_timeout', { simple: true })) >= 1000);
  assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
});

test('pending migrations are applied in order and recorded; a second run applies nothing', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  assert.deepEqual(applyMigrations(db, [createA]), { from: 0, to: 1, applied: ['1 a'] });
  assert.deepEqual(applyMigrations(db, [createA, createB]), { from: 1, to: 2, applied: ['2 b'] });
  assert.deepEqual(applyMigrations(db, [createA, createB]).applied, []);
  assert.equal(schemaVersion(db), 2);
  assert.deepEqual(tables(db), ['a', 'b', 'schema_version']);
});

test('a failed migration leaves the database exactly as it was', (t) => {
  const path = join(tempDir(t), 'x.db');
  const db = openDatabase(path);
  applyMigrations(db, [createA]);
  assert.throws(() => applyMigrations(db, [createA, createB, broken]), (e: unknown) => e instanceof MigrationError && /migration 3 \(broken\) failed/.test(e.message));
  // Neither b (which succeeded before the failure) nor c exist, and the version did not move.
  assert.deepEqual(tables(db), ['a', 'schema_version']);
  assert.equal(schemaVersion(db), 1);
  db.close();
  const reopened = openDatabase(path);
  t.after(() => reopened.close());
  assert.deepEqual(tables(reopened), ['a', 'schema_version']);
});

test('a database with migrations the program does not know is refused; a list out of order is a programming error', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  applyMigrations(db, [createA, createB]);
  assert.throws(() => applyMigrations(db, [createA]), /does not know/);
  assert.throws(() => applyMigrations(db, [createB, createA]), /out of order/);
  assert.throws(() => applyMigrations(db, [createA, { ...createB, version: 1 }]), /out of order/);
});

test('numbers may have gaps, and a lower number landing later is still applied', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  const createC: Migration = { version: 5, name: 'c', up: (d) => d.exec('CREATE TABLE c (z INTEGER)') };
  assert.deepEqual(applyMigrations(db, [createA, createC]).applied, ['1 a', '5 c']);
  assert.deepEqual(applyMigrations(db, [createA, createB, createC]).applied, ['2 b']);
  assert.equal(schemaVersion(db), 5);
  assert.deepEqual(tables(db), ['a', 'b', 'c', 'schema_version']);
});

test('the real migration list applies cleanly to a fresh database', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  const result = applyMigrations(db, MAIN_MIGRATIONS);
  assert.equal(result.to, MAIN_MIGRATIONS.length);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
});

test('migrations 16 to 19 keep every edge, state group, transaction ID and event JSON; edge tables become WITHOUT ROWID', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  applyMigrations(db, MAIN_MIGRATIONS.filter((m) => m.version <= 15));
  db.exec(`
    INSERT INTO event_auth (event_id, auth_id) VALUES ('$a', '$create'), ('$a', '$pl');
    INSERT INTO event_edges (event_id, prev_event_id) VALUES ('$a', '$create');
    INSERT INTO events (stream_ordering, event_id, room_id, type, sender, depth, origin_server_ts, received_ts) VALUES (1, '$a', '!r', 'm.room.message', '@u', 2, 0, 0);
    INSERT INTO events (stream_ordering, event_id, room_id, type, sender, depth, origin_server_ts, received_ts) VALUES (2, '$outlier', '!r', 'm.room.member', '@u', 1, 0, 0);
    INSERT INTO event_to_state_groups (event_id, state_group) VALUES ('$a', 7);
    INSERT INTO event_json (event_id, room_id, room_version, internal_metadata, json) VALUES ('$a', '!r', '11', '{}', '{"type":"m.room.message"}');
    INSERT INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES ('$a', '!r', '@u', 'D', 't1', 5);
  `);
  applyMigrations(db, MAIN_MIGRATIONS.filter((m) => m.version <= 19));
  assert.deepEqual(db.prepare('SELECT a.auth_id FROM events e JOIN event_auth a ON a.stream_ordering = e.stream_ordering WHERE e.event_id = ? ORDER BY a.auth_id').pluck().all('$a'), ['$create', '$pl']);
  assert.deepEqual(db.prepare('SELECT e.event_id FROM event_edges x JOIN events e ON e.stream_ordering = x.stream_ordering WHERE x.prev_event_id = ?').pluck().all('$create'), ['$a']);
  assert.equal(db.prepare('SELECT state_group FROM events WHERE event_id = ?').pluck().get('$a'), 7);
  // Migration 18: the JSON row is found by the event's stream ordering.
  assert.equal(db.prepare('SELECT j.json FROM events e JOIN event_json j ON j.stream_ordering = e.stream_ordering WHERE e.event_id = ?').pluck().get('$a'), '{"type":"m.room.message"}');
  assert.equal(db.prepare('SELECT state_group FROM events WHERE event_id = ?').pluck().get('$outlier'), null);
  assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'event_to_state_groups'").pluck().get(), 0);
  assert.equal(db.prepare("SELECT event_id FROM event_txn_id WHERE room_id = '!r' AND user_id = '@u' AND device_id = 'D' AND txn_id = 't1'").pluck().get(), '$a');
  // The uniqueness idempotent sends rely on holds: a second event for the same transaction is ignored.
  db.prepare("INSERT OR IGNORE INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES ('$b', '!r', '@u', 'D', 't1', 6)").run();
  assert.equal(db.prepare('SELECT count(*) FROM event_txn_id').pluck().get(), 1);
  for (const table of ['event_auth', 'event_edges']) {
    assert.match(db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string, /WITHOUT ROWID/, table);
  }
  const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  assert.ok(!indexes.includes('event_edges_by_prev'));
  // Migration 19: the edge to an event we do not hold is kept by prev event.
  assert.deepEqual(db.prepare('SELECT prev_event_id, stream_ordering FROM event_prev_waiting').all(), [{ prev_event_id: '$create', stream_ordering: 1 }]);
  for (const dropped of ['event_auth_by_auth', 'event_txn_id_by_event', 'event_to_state_groups_by_group', 'event_search_entries_by_event']) assert.ok(!indexes.includes(dropped), dropped);
});

test('migration 20 keys search rows by stream ordering (rebuilding the full-text rows) and keeps transaction IDs as a log', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  applyMigrations(db, MAIN_MIGRATIONS.filter((m) => m.version <= 19));
  const insertEvent = db.prepare(
    "INSERT INTO events (stream_ordering, event_id, room_id, type, sender, depth, origin_server_ts, received_ts) VALUES (?, ?, '!r', ?, '@u:x', 1, ?, 0)",
  );
  const insertJson = db.prepare("INSERT INTO event_json (stream_ordering, event_id, room_id, room_version, internal_metadata, json) VALUES (?, ?, '!r', '11', '{}', ?)");
  const texts: [number, string, string, string][] = [
    [3, '$m', 'm.room.message', JSON.stringify({ type: 'm.room.message', content: { body: 'hello quokka' } })],
    [-2, '$old', 'm.room.topic', JSON.stringify({ type: 'm.room.topic', content: { topic: 'backfilled wombat' } })],
  ];
  for (const [position, id, type, json] of texts) {
    insertEvent.run(position, id, type, 10 + position);
    insertJson.run(position, id, json);
    // Before migration 20 the rows had their own IDs, unrelated to the stream ordering.
    const entry = db
      .prepare("INSERT INTO event_search_entries (event_id, room_id, key, sender, stream_ordering, origin_server_ts) VALUES (?, '!r', ?, '@u:x', ?, ?)")
      .run(id, type === 'm.room.message' ? 'content.body' : 'content.topic', position, 10 + position).lastInsertRowid;
    db.prepare('INSERT INTO event_search (rowid, value) VALUES (?, ?)').run(entry, JSON.parse(json).content.body ?? JSON.parse(json).content.topic);
  }
  db.exec(`
    INSERT INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES ('$m', '!r', '@u:x', 'D', 't1', 5);
    INSERT INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES ('$n', '!r', '@u:x', 'D', 't2', 4);
  `);
  applyMigrations(db, MAIN_MIGRATIONS);

  const find = (match: string) =>
    db.prepare('SELECT m.event_id, m.key, m.origin_server_ts FROM event_search s JOIN event_search_entries m ON m.stream_ordering = s.rowid WHERE event_search MATCH ?').all(match);
  assert.deepEqual(find('quokka'), [{ event_id: '$m', key: 'content.body', origin_server_ts: 13 }]);
  assert.deepEqual(find('wombat'), [{ event_id: '$old', key: 'content.topic', origin_server_ts: 8 }]);
  assert.deepEqual(db.prepare('SELECT stream_ordering FROM event_search_entries ORDER BY stream_ordering').pluck().all(), [-2, 3]);
  // The transaction IDs are all kept, in the order they were written, with no unique index left to maintain.
  assert.deepEqual(db.prepare('SELECT txn_id FROM event_txn_id ORDER BY rowid').pluck().all(), ['t2', 't1']);
  const indexes = db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'").all() as { name: string; tbl_name: string }[];
  assert.deepEqual(indexes.filter((i) => i.tbl_name === 'event_txn_id' || i.tbl_name === 'event_search_entries'), []);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
});

test('the transaction ID log never reuses an id, even once every row was pruned', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  applyMigrations(db, MAIN_MIGRATIONS);
  const insert = db.prepare("INSERT INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES ('$e', '!r', '@u:x', 'D', ?, 0)");
  const first = Number(insert.run('t1').lastInsertRowid);
  db.exec('DELETE FROM event_txn_id');
  assert.ok(Number(insert.run('t2').lastInsertRowid) > first);
});
