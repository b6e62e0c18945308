import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startServeProcess } from '../../support/cliProcess.ts';
import { request } from '../../support/httpClient.ts';
import { tempDir } from '../../support/tempDir.ts';

const LISTENING = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/;

test('serve prints one "listening on" line, answers, and stops cleanly on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const { child, firstLine, done } = await startServeProcess(t, ['--data-dir', dir, '--port', '0', '--server-name', 'cli.test']);
  const port = Number(LISTENING.exec(firstLine)?.[1]);
  assert.ok(port > 0, firstLine);
  const res = await request(`http://127.0.0.1:${port}`, 'GET', '/_matrix/client/versions');
  assert.equal(res.status, 200);
  child.kill('SIGTERM');
  const result = await done;
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim().split('\n').length, 1, 'exactly one line on stdout');
});

test('serve with defaults keeps its data in ./data and stops on SIGINT', async (t) => {
  const cwd = tempDir(t);
  const { child, firstLine, done } = await startServeProcess(t, ['--port', '0'], { cwd });
  assert.match(firstLine, LISTENING);
  assert.ok(existsSync(join(cwd, 'data', 'homeserver.db')));
  assert.ok(existsSync(join(cwd, 'data', 'signing.key')));
  child.kill('SIGINT');
  assert.equal((await done).code, 0);
});

test('an invalid config is refused with a message naming the field', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'client_listener:\n  port: lots\n');
  const result = await runCli(['serve', '--config', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /config field "client_listener.port" must be an integer/);
  const badPort = await runCli(['serve', '--data-dir', dir, '--port', 'x1']);
  assert.equal(badPort.code, 1);
  assert.match(badPort.stderr, /client_listener\.port/);
});

test('register-user creates an account, even while a server runs on the same data dir', async (t) => {
  const dir = tempDir(t);
  const { child, done } = await startServeProcess(t, ['--data-dir', dir, '--port', '0', '--server-name', 'cli.test']);
  const ok = await runCli(['register-user', '--data-dir', dir, '--user', 'alice', '--password', 'pw', '--admin']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), 'registered @alice:cli.test (admin)');
  const again = await runCli(['register-user', '--data-dir', dir, '--user', 'alice', '--password', 'pw']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /M_USER_IN_USE/);
  const bad = await runCli(['register-user', '--data-dir', dir, '--user', 'no way', '--password', 'pw']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /M_INVALID_USERNAME/);
  child.kill('SIGTERM');
  assert.equal((await done).code, 0);
});

test('usage errors exit with 2 and print the usage', async () => {
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"[\s\S]*usage:/);
  const badFlag = await runCli(['serve', '--no-such-flag']);
  assert.equal(badFlag.code, 2);
  const missing = await runCli(['register-user', '--data-dir', '/tmp/x']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--user/);
});
