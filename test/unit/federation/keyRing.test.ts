import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { signJson } from '../../../core/crypto/jsonSigning.ts';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { openDatabase } from '../../../core/storage/engine/database.ts';
import { applyMigrations } from '../../../core/storage/engine/migrations.ts';
import { MAIN_MIGRATIONS } from '../../../core/storage/schema/mainMigrations.ts';
import { ServerKeysStore } from '../../../core/storage/databases/main/serverKeysStore.ts';
import { KeyRing, MAX_KEY_VALIDITY_MS } from '../../../core/federation/keyRing.ts';
import { ServerKeyDocument } from '../../../core/federation/serverKeyDocument.ts';
import { tempDir } from '../../support/tempDir.ts';

function setup(t: Parameters<typeof tempDir>[0], documents: Record<string, () => unknown>, now = 1_000_000_000_000) {
  const db = openDatabase(join(tempDir(t), 'k.db'));
  applyMigrations(db, MAIN_MIGRATIONS);
  t.after(() => db.close());
  const fetches: string[] = [];
  const ring = new KeyRing({
    ownServerName: 'me.test',
    ownKey: SigningKey.generate('own'),
    store: new ServerKeysStore(db),
    fetchDirect: async (server) => {
      fetches.push(server);
      const doc = documents[server];
      if (!doc) throw new Error('unreachable');
      return doc();
    },
    now: () => now,
  });
  return { ring, fetches };
}

test('keys are fetched once, checked, cached, and verify signed JSON', async (t) => {
  const remoteKey = SigningKey.generate('r1');
  const now = 1_000_000_000_000;
  const doc = new ServerKeyDocument({ serverName: 'remote.test', signingKey: remoteKey, now: () => now }).current();
  const { ring, fetches } = setup(t, { 'remote.test': () => doc }, now);
  const signed = signJson({ hello: 'world' } as JsonObject, 'remote.test', remoteKey);
  assert.equal(await ring.isSignedBy(signed, 'remote.test'), true);
  assert.equal(await ring.isSignedBy({ ...signed, hello: 'mallory' }, 'remote.test'), false);
  assert.equal(await ring.isSignedBy(signed, 'other.test'), false);
  assert.deepEqual(fetches, ['remote.test']);
  const key = await ring.getKey('remote.test', 'ed25519:r1');
  assert.ok(key && key.validUntilTs <= now + MAX_KEY_VALIDITY_MS, 'validity capped at seven days');
});

test('a document not self-signed, for another server, or with a bad key is refused', async (t) => {
  const k = SigningKey.generate('r1');
  const other = SigningKey.generate('r1');
  const base = { server_name: 'remote.test', valid_until_ts: 2_000_000_000_000, verify_keys: { 'ed25519:r1': { key: k.publicKeyBase64 } }, old_verify_keys: {} };
  const { ring } = setup(t, {});
  assert.deepEqual(ring.checkDocument('remote.test', signJson(base, 'remote.test', other)), [], 'signed by a key it does not publish');
  assert.deepEqual(ring.checkDocument('remote.test', signJson({ ...base, server_name: 'evil.test' }, 'remote.test', k)), []);
  assert.deepEqual(ring.checkDocument('remote.test', { ...base }), [], 'unsigned');
  assert.deepEqual(ring.checkDocument('remote.test', signJson({ ...base, verify_keys: { 'ed25519:r1': { key: '!!' } } }, 'remote.test', k)), []);
  assert.equal(ring.checkDocument('remote.test', signJson(base, 'remote.test', k)).length, 1);
});

test('old keys verify only signatures made before they expired; unreachable servers give no key', async (t) => {
  const current = SigningKey.generate('new');
  const old = SigningKey.generate('old');
  const now = 1_000_000_000_000;
  const doc = signJson(
    { server_name: 'remote.test', valid_until_ts: now + 1000, verify_keys: { 'ed25519:new': { key: current.publicKeyBase64 } }, old_verify_keys: { 'ed25519:old': { key: old.publicKeyBase64, expired_ts: now - 1000 } } },
    'remote.test',
    current,
  );
  const { ring } = setup(t, { 'remote.test': () => doc }, now);
  assert.ok(await ring.getKey('remote.test', 'ed25519:old', now - 5000));
  assert.equal(await ring.getKey('remote.test', 'ed25519:old', now), null);
  assert.equal(await ring.getKey('unreachable.test', 'ed25519:x'), null);
  assert.equal(await ring.getKey('remote.test', 'ed25519:new', now + 5000), null, 'not valid after valid_until_ts');
});
