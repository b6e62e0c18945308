import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../../core/storage/engine/database.ts';
import { GroupCommitter } from '../../../../core/storage/engine/groupCommit.ts';
import type { CommitSync } from '../../../../core/storage/engine/walFileSync.ts';
import { tempDir } from '../../../support/tempDir.ts';

/** A delay no test waits for: a deferred write that commits at all was carried by something else. */
const NEVER = 3_600_000;

/** A log table and a committer over it (with `commitSync` replacing the WAL fsync when given). */
function openLog(
  t: { after(fn: () => void): void },
  options: { commitSync?: CommitSync } = {},
): { db: Database; committer: GroupCommitter; rows: () => string[]; insert: (what: string) => () => unknown } {
  const db = openDatabase(join(tempDir(t), 'x.db'));
  t.after(() => db.close());
  db.exec('CREATE TABLE log (what TEXT NOT NULL)');
  const committer = new GroupCommitter(db, options);
  const rows = () => (db.prepare('SELECT what FROM log ORDER BY rowid').pluck().all() as string[]);
  const insert = (what: string) => () => db.prepare('INSERT INTO log (what) VALUES (?)').run(what);
  return { db, committer, rows, insert };
}

test('writes submitted together share one transaction; a failing write rolls back alone', async (t) => {
  const { committer, rows, insert } = openLog(t);
  const results = await Promise.allSettled([
    committer.write(insert('a')),
    committer.write(() => {
      insert('doomed')();
      throw new Error('no');
    }),
    committer.write(insert('b')),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(rows(), ['a', 'b']);
  assert.deepEqual(committer.stats, { transactions: 1, writes: 3 });
});

test('a deferred write rides along with the next write, in its transaction', async (t) => {
  const { db, committer, rows } = openLog(t);
  let deferredDone = false;
  const deferred = committer.writeDeferred(() => db.prepare("INSERT INTO log (what) VALUES ('deferred')").run(), NEVER).then(() => (deferredDone = true));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(deferredDone, false, 'no transaction of its own');
  assert.deepEqual(rows(), []);
  await committer.write(() => db.prepare("INSERT INTO log (what) VALUES ('eager')").run());
  await deferred;
  assert.deepEqual(rows(), ['deferred', 'eager']);
  assert.deepEqual(committer.stats, { transactions: 1, writes: 2 });
});

test('hurry commits waiting deferred writes; the delay commits them when nothing else does', async (t) => {
  const { committer, rows, insert } = openLog(t);
  const hurried = committer.writeDeferred(insert('hurried'), NEVER);
  committer.hurry();
  await hurried;
  assert.deepEqual(rows(), ['hurried']);
  committer.hurry(); // nothing waits: no empty transaction
  await committer.writeDeferred(insert('late'), 1);
  assert.deepEqual(rows(), ['hurried', 'late']);
  assert.deepEqual(committer.stats, { transactions: 2, writes: 2 });
});

/** A CommitSync the test completes by hand, counting the syncs asked for. */
function manualSync() {
  const waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  return {
    waiting,
    sync: () => new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })),
  };
}

test('writers hear back only once the commit sync finished; a failed sync fails every write of the group', async (t) => {
  const sync = manualSync();
  const { committer, rows, insert } = openLog(t, { commitSync: sync });

  let done = false;
  const written = committer.write(insert('a')).then(() => (done = true));
  while (sync.waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(rows(), ['a'], 'committed');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(done, false, 'not acknowledged before the sync');
  sync.waiting[0]!.resolve();
  await written;

  const failing = Promise.allSettled([committer.write(insert('b')), committer.write(insert('c'))]);
  while (sync.waiting.length === 1) await new Promise((resolve) => setImmediate(resolve));
  sync.waiting[1]!.reject(new Error('EIO'));
  assert.deepEqual((await failing).map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')), ['EIO', 'EIO']);
});

test('on a WAL file opened with full sync, group commits sync off the event loop and other writes keep FULL', async (t) => {
  const { db, committer, rows, insert } = openLog(t);
  await Promise.all([1, 2, 3].map((i) => committer.write(insert(`w${i}`))));
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL again after the group commit');
  assert.equal(rows().length, 3);
  assert.deepEqual(committer.stats, { transactions: 1, writes: 3 });
});

test('a deferred write resolves at the commit, without waiting for the sync; a transaction of deferred writes alone syncs nothing', async (t) => {
  const sync = manualSync();
  const { committer, insert } = openLog(t, { commitSync: sync });
  let eagerDone = false;
  const eager = committer.write(insert('eager')).then(() => (eagerDone = true));
  await committer.writeDeferred(insert('bookkeeping'), NEVER);
  assert.equal(eagerDone, false, 'the eager write still waits for its sync');
  assert.equal(sync.waiting.length, 1);
  sync.waiting[0]!.resolve();
  await eager;
  const alone = committer.writeDeferred(insert('alone'), NEVER);
  committer.hurry();
  await alone;
  assert.equal(sync.waiting.length, 1, 'no sync for bookkeeping alone');
});
