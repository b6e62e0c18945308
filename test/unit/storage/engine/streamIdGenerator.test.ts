import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../../core/storage/engine/database.ts';
import { StreamIdGenerator } from '../../../../core/storage/engine/streamIdGenerator.ts';
import { tempDir } from '../../../support/tempDir.ts';

function threeTables(db: Database) {
  db.exec(`
    CREATE TABLE s1 (stream_id INTEGER);
    CREATE TABLE s2 (stream_id INTEGER);
    CREATE TABLE s3 (pos INTEGER);
  `);
}
const TABLES = [
  { table: 's1', column: 'stream_id' },
  { table: 's2', column: 'stream_id' },
  { table: 's3', column: 'pos' },
];

test('the generator starts at the max over every table of the stream', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  threeTables(db);
  assert.equal(new StreamIdGenerator('s', db, TABLES).getCurrentToken(), 0);
  db.exec('INSERT INTO s1 VALUES (4); INSERT INTO s2 VALUES (9); INSERT INTO s3 VALUES (7)');
  const gen = new StreamIdGenerator('s', db, TABLES);
  assert.equal(gen.getCurrentToken(), 9);
  assert.deepEqual(gen.allocate(2).ids, [10, 11]);
  // Leaving out the table holding the max would reuse IDs: the reason all tables are listed.
  assert.equal(new StreamIdGenerator('s', db, TABLES.slice(0, 1)).getCurrentToken(), 4);
});

test('a restart after committed writes continues without reusing IDs', (t) => {
  const path = join(tempDir(t), 'x.db');
  let db = openDatabase(path);
  threeTables(db);
  let gen = new StreamIdGenerator('s', db, TABLES);
  gen.withIds(3, (ids) => db.transaction(() => ids.forEach((id) => db.prepare('INSERT INTO s1 VALUES (?)').run(id)))());
  gen.withIds(2, (ids) => db.transaction(() => ids.forEach((id) => db.prepare('INSERT INTO s3 VALUES (?)').run(id)))());
  assert.equal(gen.getCurrentToken(), 5);
  db.close();
  db = openDatabase(path);
  t.after(() => db.close());
  gen = new StreamIdGenerator('s', db, TABLES);
  assert.equal(gen.getCurrentToken(), 5);
  assert.deepEqual(gen.allocate().ids, [6]);
});

test('the current token waits for lower allocations to finish', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  threeTables(db);
  const gen = new StreamIdGenerator('s', db, TABLES);
  const advances: number[] = [];
  gen.onAdvance((token) => advances.push(token));
  const first = gen.allocate();
  const second = gen.allocate(2);
  assert.equal(gen.getCurrentToken(), 0);
  second.commit();
  assert.equal(gen.getCurrentToken(), 0, 'ID 1 is still pending');
  first.commit();
  assert.equal(gen.getCurrentToken(), 3);
  assert.deepEqual(advances, [3]);
});

test('an aborted highest allocation is handed out again; an aborted lower one is a gap', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  threeTables(db);
  const gen = new StreamIdGenerator('s', db, TABLES);
  assert.throws(() => gen.withIds(1, () => { throw new Error('rolled back'); }), /rolled back/);
  assert.equal(gen.getCurrentToken(), 0);
  const again = gen.allocate();
  assert.deepEqual(again.ids, [1]);
  again.commit();

  const low = gen.allocate(); // 2
  const high = gen.allocate(); // 3
  high.commit();
  low.abort();
  assert.equal(gen.getCurrentToken(), 3);
  assert.deepEqual(gen.allocate().ids, [4]);
});

test('committing or aborting twice has no further effect; bad counts are refused', (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  threeTables(db);
  const gen = new StreamIdGenerator('s', db, TABLES);
  const a = gen.allocate();
  a.commit();
  a.abort();
  assert.equal(gen.getCurrentToken(), 1);
  assert.throws(() => gen.allocate(0), RangeError);
  assert.throws(() => new StreamIdGenerator('s', db, [{ table: 's1; DROP TABLE s1', column: 'x' }]), /bad table/);
});
