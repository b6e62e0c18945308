/** `npm run server -- relay --config FILE`: the relay service as a process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startListeningProcess } from '../../support/cliProcess.ts';
import { request } from '../../support/httpClient.ts';
import { tempDir } from '../../support/tempDir.ts';

test('relay prints one "listening on" line, serves its own keys, keeps its own data directory and stops on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'relay.yaml');
  writeFileSync(
    file,
    `server_name: relay.test
data_dir: ${join(dir, 'data')}
listener: { host: 127.0.0.1, port: 0 }
tenants:
  - { server_name: a.test, secret: "a-long-enough-secret" }
`,
  );
  const { child, firstLine, done } = await startListeningProcess(t, 'relay', ['--config', file]);
  const port = Number(/^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(firstLine)?.[1]);
  assert.ok(port > 0, firstLine);
  const keys = await request(`http://127.0.0.1:${port}`, 'GET', '/_matrix/key/v2/server');
  assert.equal(keys.status, 200);
  assert.equal((keys.body as { server_name: string }).server_name, 'relay.test');
  const version = await request(`http://127.0.0.1:${port}`, 'GET', '/_matrix/federation/v1/version');
  assert.equal((version.body as { server: { name: string } }).server.name, 'Hearth relay');
  const unsigned = await request(`http://127.0.0.1:${port}`, 'GET', '/_matrix/federation/v1/relay_txn/%40user%3Aa.test');
  assert.equal(unsigned.status, 401);
  assert.equal((unsigned.body as { errcode: string }).errcode, 'M_UNAUTHORIZED');
  assert.ok(existsSync(join(dir, 'data', 'relay.db')));
  assert.ok(existsSync(join(dir, 'data', 'signing.key')));
  child.kill('SIGTERM');
  const result = await done;
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim().split('\n').length, 1);
});

test('relay refuses a bad config naming the field, and needs --config', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'relay.yaml');
  writeFileSync(file, 'server_name: relay.test\ntenants: [{ server_name: a.test, secret: short }]\n');
  const bad = await runCli(['relay', '--config', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /config field "tenants\[0\]\.secret" must be at least 16 characters long/);
  const usage = await runCli(['relay']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /relay needs --config FILE/);
});
