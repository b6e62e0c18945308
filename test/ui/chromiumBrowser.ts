/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), and the renderer built with Vite
 * into a temporary directory, so UI tests run against the UI as the current sources build it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../support/cliProcess.ts';
import { tempDir } from '../support/tempDir.ts';

const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string | null {
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export async function launchChromium(executablePath: string, extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...extraArgs],
  });
}

/** Builds the renderer into `outDir` (vite build renderer); throws with Vite's output when it fails. */
export function buildRenderer(outDir: string): void {
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', 'renderer', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

/** Where UI tests put their screenshots (gitignored). */
export function artifactsDirectory(): string {
  const dir = join(REPO_ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface UiSession {
  /** The renderer built from the current sources, for the server under test to serve. */
  readonly rendererDirectory: string;
  readonly page: Page;
  /** Uncaught errors in the page (a test ends by asserting there were none). */
  readonly pageErrors: string[];
  /** Saves a full-page screenshot as test-artifacts/<name>.png. */
  shot(name: string): Promise<void>;
}

/**
 * The renderer built, Chromium started with one page (`fileModules`: pages loaded from files may run the
 * built module scripts, as the first-run window does in Electron); null (the test skipped) where Chromium is not installed. */
export async function startUiSession(t: TestContext, options: { readonly fileModules?: boolean } = {}): Promise<UiSession | null> {
  const executable = chromiumPath();
  if (!executable) {
    if (process.env.CI) assert.fail('Chromium is not installed (apt-get install chromium)');
    t.skip('Chromium is not installed (apt-get install chromium)');
    return null;
  }
  const rendererDirectory = tempDir(t, 'renderer-build-');
  buildRenderer(rendererDirectory);
  // Chromium refuses module scripts from file:// pages unless told otherwise; Electron's file protocol allows them.
  const browser = await launchChromium(executable, options.fileModules ? ['--allow-file-access-from-files'] : []);
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
  // Conditions are awaited, never slept on; this only bounds how long one may take on a loaded machine.
  page.setDefaultTimeout(30_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const artifacts = artifactsDirectory();
  return { rendererDirectory, page, pageErrors, shot: async (name) => void (await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true })) };
}
