#!/usr/bin/env node
// Bundles the Electron main process (with the core) and the preload script with esbuild, for packaging:
// tsx is for development only. Output: build/app/main.mjs (ESM, Electron's main) and build/app/preload.cjs
// (sandboxed preloads must be CommonJS). Native modules (better-sqlite3, sharp) and electron stay external:
// electron-builder installs and rebuilds them for Electron's ABI.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'build', 'app');
const external = ['electron', 'better-sqlite3', 'sharp'];

await build({
  entryPoints: { main: join(root, 'main', 'main.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external,
  sourcemap: true,
  logLevel: 'info',
  // CommonJS dependencies bundled into ESM call require() for Node built-ins and the externals.
  banner: { js: "import { createRequire as __hearthCreateRequire } from 'node:module'; const require = __hearthCreateRequire(import.meta.url);" },
});

await build({
  entryPoints: { preload: join(root, 'main', 'preload.ts') },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  logLevel: 'info',
});
