/**
 * The Electron main process's entry point (bundled to build/app/main.mjs by build/bundleMain.mjs): the real
 * shell, the paths of the bundled preload script, the built renderer and the tray icon, and the app.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '../core/logging/logger.ts';
import { createElectronShell } from './electronShell.ts';
import { DesktopApp } from './desktopApp.ts';

// The bundle sits in <app>/build/app/; the renderer and icons travel beside it in the package.
const bundleDirectory = dirname(fileURLToPath(import.meta.url));
const appRoot = join(bundleDirectory, '..', '..');

const desktopApp = new DesktopApp({
  shell: createElectronShell(),
  paths: {
    preload: join(bundleDirectory, 'preload.cjs'),
    rendererDirectory: join(appRoot, 'renderer', 'dist'),
    trayIcon: join(appRoot, 'build', 'icons', process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
  },
  log: new Logger('info'),
});

desktopApp.start().catch((e: unknown) => {
  process.stderr.write(`Hearth failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
