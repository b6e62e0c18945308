import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { scanImports } from './importScanner.ts';
import { checkFile } from './layeringRules.ts';
import { REPO_ROOT } from '../support/cliProcess.ts';

function sourceFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs|jsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function check(relativeFile: string, text: string) {
  return checkFile(REPO_ROOT, relativeFile, scanImports(relativeFile, text));
}

test('the repository follows the layering rules (core / main / renderer)', () => {
  const files = ['core', 'main', 'renderer'].flatMap((layer) => sourceFiles(join(REPO_ROOT, layer)));
  assert.ok(files.some((f) => f.includes(`${sep}core${sep}`)), 'core files are scanned');
  const violations = files.flatMap((file) => check(relative(REPO_ROOT, file), readFileSync(file, 'utf8')));
  assert.deepEqual(violations, [], violations.map((v) => `${v.file}:${v.line} ${v.specifier}: ${v.rule}`).join('\n'));
});

test('the checker catches each kind of violation', () => {
  const core = join('core', 'handlers', 'x.ts');
  assert.equal(check(core, "import { app } from 'electron';")[0]?.rule, 'core/ must not import electron');
  assert.equal(check(core, "const e = await import('electron/main');").length, 1);
  assert.equal(check(core, "const e = require('electron');").length, 1);
  assert.equal(check(core, "import { x } from '../../main/app.ts';")[0]?.rule, 'core/ must not import main/');
  assert.equal(check(core, "export * from '../../renderer/ui.ts';")[0]?.rule, 'core/ must not import renderer/');
  assert.deepEqual(check(core, "import { readFileSync } from 'node:fs'; import { y } from '../storage/y.ts';"), []);

  const renderer = join('renderer', 'pages', 'rooms.ts');
  assert.equal(check(renderer, "import { readFileSync } from 'node:fs';")[0]?.rule, 'renderer/ must not import Node built-ins');
  assert.equal(check(renderer, "import path from 'path';").length, 1);
  assert.equal(check(renderer, "import { ipcRenderer } from 'electron';").length, 1);
  assert.equal(check(renderer, "import { Homeserver } from '../../core/homeserver.ts';").length, 1);
  assert.match(check(renderer, "import { thing } from '../../core/http/admin/adminApiTypes.ts';")[0]!.rule, /import type/);
  assert.deepEqual(check(renderer, "import type { RoomSummary } from '../../core/http/admin/adminApiTypes.ts';"), []);
  assert.deepEqual(check(renderer, "import { type RoomSummary } from '../../core/http/admin/adminApiTypes.ts';"), []);
  assert.equal(check(renderer, "import type { X } from '../../core/storage/x.ts';").length, 1);
  assert.deepEqual(check(renderer, "import { h } from 'preact';"), []);

  const main = join('main', 'window.ts');
  assert.deepEqual(check(main, "import { app } from 'electron'; import { Homeserver } from '../core/homeserver.ts';"), []);
  assert.equal(check(main, "import { page } from '../renderer/page.ts';").length, 1);
});
