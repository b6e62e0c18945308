/** The relay's mailbox store on a real SQLite file (the relay's own schema in its own data directory). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataDirectory } from '../../../core/storage/dataDirectory.ts';
import { RELAY_MIGRATIONS } from '../../../core/relay/schema/relayMigrations.ts';
import { MailboxStore, type MailboxDeposit } from '../../../core/relay/mailboxStore.ts';
import { RELAY_DATABASE_FILE } from '../../../core/relay/relayService.ts';
import { tempDir } from '../../support/tempDir.ts';

function openRelayDirectory(dir: string) {
  return openDataDirectory(dir, { serverName: 'relay.test', migrations: RELAY_MIGRATIONS, databaseFile: RELAY_DATABASE_FILE });
}

function deposit(txnId: string, tenant = 'b.test', origin = 'a.test', padding = ''): MailboxDeposit {
  return {
    tenant,
    origin,
    txnId,
    content: { origin, origin_server_ts: 1, pdus: [], edus: [{ edu_type: 'm.test', content: { padding } }] },
    authorization: { method: 'PUT', uri: `/_matrix/federation/v1/send/${txnId}`, origin, destination: tenant, key: 'ed25519:k', sig: 'sig' },
  };
}

test('deposits are kept in order per tenant, once per origin and txn ID, and handed out oldest first until acknowledged', (t) => {
  const dir = tempDir(t, 'relay-store-');
  const directory = openRelayDirectory(dir);
  const store = new MailboxStore(directory.db, { maxEntries: 100, maxBytes: 1024 * 1024 }, () => 42);
  const first = store.deposit(deposit('t1'));
  const second = store.deposit(deposit('t2'));
  const other = store.deposit(deposit('t1', 'c.test'));
  assert.equal(first.kind, 'stored');
  assert.equal(second.kind, 'stored');
  assert.equal(other.kind, 'stored');
  const again = store.deposit(deposit('t1'));
  assert.deepEqual(again, { kind: 'duplicate', entryId: (first as { entryId: number }).entryId });
  assert.equal(store.deposit(deposit('t1', 'b.test', 'd.test')).kind, 'stored', 'another origin may reuse the txn ID');
  assert.equal(store.totals('b.test').entries, 3);
  assert.equal(store.totals('c.test').entries, 1);

  const oldest = store.oldest('b.test')!;
  assert.equal(oldest.txnId, 't1');
  assert.equal(oldest.receivedTs, 42);
  assert.deepEqual(oldest.content, deposit('t1').content);
  assert.deepEqual(oldest.authorization, deposit('t1').authorization);
  // Acknowledging someone else's entry removes nothing.
  assert.equal(store.next('c.test', oldest.entryId)!.tenant, 'c.test');
  assert.equal(store.totals('b.test').entries, 3);
  assert.equal(store.next('b.test', oldest.entryId)!.txnId, 't2');
  assert.equal(store.next('b.test', 0)!.txnId, 't2', 'entry 0 acknowledges nothing');

  // Everything survives a restart.
  directory.close();
  const reopened = openRelayDirectory(dir);
  t.after(() => reopened.close());
  const store2 = new MailboxStore(reopened.db, { maxEntries: 100, maxBytes: 1024 * 1024 });
  assert.equal(store2.totals('b.test').entries, 2);
  const entry = store2.oldest('b.test')!;
  assert.equal(entry.txnId, 't2');
  const last = store2.next('b.test', entry.entryId)!;
  assert.equal(last.origin, 'd.test');
  assert.equal(store2.next('b.test', last.entryId), null);
  assert.deepEqual(store2.totals('b.test'), { entries: 0, bytes: 0 });
});

test('a mailbox refuses what would take it past its entries or bytes, and takes more once emptied', (t) => {
  const directory = openRelayDirectory(tempDir(t, 'relay-store-'));
  t.after(() => directory.close());
  const byEntries = new MailboxStore(directory.db, { maxEntries: 2, maxBytes: 1024 * 1024 });
  byEntries.deposit(deposit('e1'));
  byEntries.deposit(deposit('e2'));
  const full = byEntries.deposit(deposit('e3'));
  assert.equal(full.kind, 'full');
  assert.equal((full as { totals: { entries: number } }).totals.entries, 2);
  assert.equal(byEntries.deposit(deposit('e1')).kind, 'duplicate', 'a repeated deposit is not refused');
  byEntries.next('b.test', byEntries.oldest('b.test')!.entryId);
  assert.equal(byEntries.deposit(deposit('e3')).kind, 'stored');

  const byBytes = new MailboxStore(directory.db, { maxEntries: 100, maxBytes: 2000 });
  assert.equal(byBytes.deposit(deposit('b1', 'c.test', 'a.test', 'x'.repeat(800))).kind, 'stored');
  assert.equal(byBytes.deposit(deposit('b2', 'c.test', 'a.test', 'x'.repeat(800))).kind, 'full');
  assert.equal(byBytes.deposit(deposit('b3', 'c.test', 'a.test', 'x')).kind, 'stored', 'a smaller one still fits');
  assert.ok(byBytes.totals('c.test').bytes <= 2000);
});
