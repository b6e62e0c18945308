/** The packaging bundle step (`npm run build:main`) works: main + core to ESM with native modules external, preload to CommonJS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../support/cliProcess.ts';

test('build:main bundles the main process with the core, and the preload script', () => {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'build', 'bundleMain.mjs')], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(result.status, 0, result.stderr);
  const main = readFileSync(join(REPO_ROOT, 'build', 'app', 'main.mjs'), 'utf8');
  // (assert.ok, not assert.match: a failure must not print the whole bundle)
  assert.ok(/from "electron"/.test(main), 'electron stays external');
  assert.ok(/from "better-sqlite3"|require\("better-sqlite3"\)/.test(main), 'the native module is loaded at run time, not bundled');
  assert.ok(!main.includes('function Database(filenameGiven'), 'better-sqlite3 itself is not inside');
  assert.ok(main.includes('/_desktop/api'), 'the core (admin API) is inside');
  const preload = readFileSync(join(REPO_ROOT, 'build', 'app', 'preload.cjs'), 'utf8');
  assert.ok(/require\("electron"\)/.test(preload));
  assert.ok(/exposeInMainWorld\("hearth"/.test(preload));
});
