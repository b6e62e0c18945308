import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../../../../core/storage/engine/database.ts';
import { WalCheckpointer } from '../../../../core/storage/engine/walCheckpointer.ts';
import { tempDir } from '../../../support/tempDir.ts';

test('the worker checkpoints what the writing connection committed; the safety net is restored at close', async (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  const checkpointer = WalCheckpointer.start(db, { intervalMs: 10 })!;
  t.after(() => checkpointer.close());
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 10_000, 'the writing connection no longer checkpoints every 1000 pages');
  db.exec('CREATE TABLE blob (data BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO blob (data) VALUES (?)');
  // About 1500 pages: past SQLite's default threshold, below the safety net.
  for (let i = 0; i < 30; i++) db.transaction(() => { for (let j = 0; j < 50; j++) insert.run(Buffer.alloc(4000, i)); })();
  const deadline = Date.now() + 20_000;
  while (!(checkpointer.stats.complete > 0 && checkpointer.stats.framesCheckpointed >= 1500)) {
    assert.ok(Date.now() < deadline, `no complete checkpoint by the worker: ${JSON.stringify(checkpointer.stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(checkpointer.stats.lastError, null);
  // Nothing left for the writer to copy: everything in the WAL is already in the database file.
  const [left] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  assert.equal(left!.log, left!.checkpointed);
  checkpointer.close();
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  assert.equal(db.prepare('SELECT count(*) FROM blob').pluck().get(), 1500);
});

test('no checkpointer for databases without a WAL file', () => {
  const db = openDatabase(':memory:');
  assert.equal(WalCheckpointer.start(db), null);
  db.close();
});

test('a worker that cannot start is reported, and the writing connection checkpoints by itself again', async (t) => {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  const errors: string[] = [];
  const checkpointer = WalCheckpointer.start(db, { driverPath: join(tempDir(t), 'no-such-driver.js'), onError: (message) => errors.push(message) })!;
  t.after(() => checkpointer.close());
  const deadline = Date.now() + 20_000;
  while (errors.length === 0) {
    assert.ok(Date.now() < deadline, 'no error reported');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.match(errors[0]!, /background WAL checkpointer stopped: .*no-such-driver/);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
});
