import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDataDirectory, DataDirectoryError, DATABASE_FILE, SIGNING_KEY_FILE } from '../../../core/storage/dataDirectory.ts';
import { UsersStore } from '../../../core/storage/databases/main/usersStore.ts';
import { registerLocalUser } from '../../../core/handlers/accounts/localUserRegistration.ts';
import { MatrixError } from '../../../core/handlers/matrixError.ts';
import { tempDir } from '../../support/tempDir.ts';

const cheap = { log2N: 10, r: 8, p: 1 };

test('the server name is pinned at first start; another name later is refused', (t) => {
  const dir = tempDir(t);
  const first = openDataDirectory(dir, { serverName: 'alice.example' });
  const keyId = first.signingKey.keyId;
  first.close();
  assert.ok(existsSync(join(dir, DATABASE_FILE)) && existsSync(join(dir, SIGNING_KEY_FILE)));
  assert.throws(() => openDataDirectory(dir, { serverName: 'bob.example' }), (e: unknown) => e instanceof DataDirectoryError && /belongs to server "alice.example"/.test(e.message));
  const again = openDataDirectory(dir, { serverName: null });
  t.after(() => again.close());
  assert.equal(again.serverName, 'alice.example');
  assert.equal(again.signingKey.keyId, keyId);
});

test('local users: lower-cased, strict grammar, taken names refused with M_USER_IN_USE', async (t) => {
  const data = openDataDirectory(tempDir(t), { serverName: 'hs.test' });
  t.after(() => data.close());
  const deps = { serverName: 'hs.test', users: new UsersStore(data.db), passwordCost: cheap };
  assert.equal(await registerLocalUser(deps, { localpart: 'Alice', password: 'pw', admin: true }), '@alice:hs.test');
  const user = deps.users.getUser('@alice:hs.test');
  assert.equal(user?.admin, true);
  assert.match(user?.passwordHash ?? '', /^scrypt\$/);
  const refusal = async (localpart: string, password: string | null, errcode: string) =>
    assert.rejects(registerLocalUser(deps, { localpart, password }), (e: unknown) => e instanceof MatrixError && e.errcode === errcode);
  await refusal('alice', 'pw', 'M_USER_IN_USE');
  await refusal('ALICE', 'pw', 'M_USER_IN_USE');
  await refusal('bad name', 'pw', 'M_INVALID_USERNAME');
  await refusal('', 'pw', 'M_INVALID_USERNAME');
  await refusal('x'.repeat(250), 'pw', 'M_INVALID_USERNAME');
  await refusal('bob', '', 'M_WEAK_PASSWORD');
  assert.equal(deps.users.countUsers(), 1);
});
