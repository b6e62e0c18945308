/** The built renderer served under /_desktop/ (this machine only, files from its directory only), and `serve --admin-token-file`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/tempDir.ts';
import { startServeProcess } from '../../support/cliProcess.ts';
import { startAdminTestServer } from './adminTestKit.ts';

test('the renderer build is served under /_desktop/ with a locked-down page, and nothing outside it', async (t) => {
  const dir = tempDir(t, 'renderer-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Hearth</title>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(join(tempDir(t), 'secret.txt'), 'no');
  const server = await startAdminTestServer(t, { rendererDirectory: dir });

  const page = await fetch(`${server.baseUrl}/_desktop/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.equal(await page.text(), '<!doctype html><title>Hearth</title>');
  const script = await fetch(`${server.baseUrl}/_desktop/assets/app-abc123.js`);
  assert.match(script.headers.get('content-type')!, /text\/javascript/);
  assert.match(script.headers.get('cache-control')!, /immutable/);
  const bare = await fetch(`${server.baseUrl}/_desktop`, { redirect: 'manual' });
  assert.equal(bare.status, 302);
  assert.equal(bare.headers.get('location'), '/_desktop/');
  for (const path of ['/_desktop/..%2f..%2fsecret.txt', '/_desktop/%2e%2e/%2e%2e/etc/passwd', '/_desktop/nothing.js', '/_desktop/assets']) {
    const res = await fetch(`${server.baseUrl}${path}`);
    assert.equal(res.status, 404, path);
    // Either our own refusal or, for paths the URL parser resolved out of /_desktop/, no route at all.
    assert.match(((await res.json()) as { errcode: string }).errcode, /^M_(NOT_FOUND|UNRECOGNIZED)$/);
  }
  const noBuild = await startAdminTestServer(t, { rendererDirectory: null });
  const missing = await fetch(`${noBuild.baseUrl}/_desktop/`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /build:renderer/);
});

test('serve --admin-token-file writes this launch\'s token (owner-only) and the API accepts it', async (t) => {
  const dir = tempDir(t, 'serve-admin-');
  const config = join(dir, 'homeserver.yaml');
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(config, `server_name: cli.test\ndata_dir: ${join(dir, 'data')}\nlog_level: error\n`);
  const { firstLine, child, done } = await startServeProcess(t, ['--config', config, '--port', '0', '--admin-token-file', tokenFile]);
  const baseUrl = firstLine.replace('listening on ', '');
  const token = readFileSync(tokenFile, 'utf8').trim();
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  const overview = await fetch(`${baseUrl}/_desktop/api/overview`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(overview.status, 200);
  assert.equal(((await overview.json()) as { server_name: string }).server_name, 'cli.test');
  // Settings are saved to the file the server was started with.
  const settings = await fetch(`${baseUrl}/_desktop/api/settings`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(((await settings.json()) as { config_file: string }).config_file, config);
  child.kill('SIGTERM');
  assert.equal((await done).code, 0);
});
