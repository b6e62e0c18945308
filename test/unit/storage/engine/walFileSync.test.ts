import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WalFileSync } from '../../../../core/storage/engine/walFileSync.ts';
import { tempDir } from '../../../support/tempDir.ts';

test('sync resolves for an existing file and for a missing one (checkpointed and removed); other failures reject', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'x.db-wal'), 'frames');
  await new WalFileSync(join(dir, 'x.db-wal')).sync();
  await new WalFileSync(join(dir, 'gone.db-wal')).sync();
  mkdirSync(join(dir, 'dir.db-wal'));
  await assert.rejects(new WalFileSync(join(dir, 'dir.db-wal')).sync(), /EISDIR/);
});

test('calls during an fsync share the next one: a burst of commits costs at most two', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'x.db-wal'), 'frames');
  const syncer = new WalFileSync(join(dir, 'x.db-wal'));
  const first = syncer.sync();
  const burst = [syncer.sync(), syncer.sync(), syncer.sync()];
  assert.notEqual(burst[0], first, 'an fsync that started before these commits does not cover them');
  assert.equal(burst[1], burst[0]);
  assert.equal(burst[2], burst[0]);
  await Promise.all([first, ...burst]);
  // Idle again: the next call starts its own fsync at once.
  const later = syncer.sync();
  assert.notEqual(later, burst[0]);
  await later;
});
