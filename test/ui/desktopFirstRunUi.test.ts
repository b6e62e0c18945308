/**
 * The first run in Chromium: the setup page (loaded from the built renderer as a file, as Electron's first
 * window does) talks to the real DesktopApp through a stand-in for the preload bridge that goes through the
 * app's own IPC handlers (with the page's URL as the sender, as Electron reports it). A bad answer shows its
 * error at its field; a good one creates the owner, and the window moves to the UI, which then works with the
 * token the main process hands to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesktopApp } from '../../main/desktopApp.ts';
import { IPC_CHANNELS } from '../../main/ipcChannels.ts';
import { Logger } from '../../core/logging/logger.ts';
import { tempDir } from '../support/tempDir.ts';
import { TEST_PASSWORD_COST } from '../support/testHomeserver.ts';
import { eventually } from '../support/federatedServers.ts';
import { FakeShell } from '../unit/main/fakeDesktopShell.ts';
import { startUiSession } from './chromiumBrowser.ts';

test('first run in Chromium: the setup page creates the owner account, then the UI opens', { timeout: 120_000 }, async (t) => {
  const session = await startUiSession(t, { fileModules: true });
  if (!session) return;
  const { page, pageErrors, shot } = session;
  const shell = new FakeShell(tempDir(t, 'desktop-ui-'));
  const app = new DesktopApp({
    shell,
    paths: { preload: '/opt/hearth/preload.cjs', rendererDirectory: session.rendererDirectory, trayIcon: '/opt/hearth/tray.png' },
    initialConfig: { client_listener: { host: '127.0.0.1', port: 0 }, log_level: 'error' },
    log: new Logger('error', { write() {} }),
    passwordCost: TEST_PASSWORD_COST,
  });
  t.after(async () => {
    if (shell.exitCode === null) await app.shutdown();
  });
  assert.equal(await app.start(), 'first-run');
  const setupUrl = shell.window.currentUrl!;
  assert.match(setupUrl, /^file:\/\/.*\/setup\.html$/);

  // The preload's ipcRenderer.invoke, answered by the app's IPC handlers with this page's URL as the sender.
  await page.exposeFunction('hearthIpcInvoke', (channel: string, args: unknown[]) => shell.invoke(channel, page.url(), ...args));
  await page.addInitScript(preloadBridge(null));
  await page.goto(setupUrl);
  await page.locator('#server_name').waitFor();
  await page.locator('#server_name').fill('alice.test');
  await page.locator('#username').fill('Alice Smith');
  await page.locator('#password').fill('correct horse battery');
  await page.locator('#confirm').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create my account' }).click();
  await page.getByTestId('error-username').waitFor();
  assert.equal(app.running, null, 'a bad answer starts nothing and creates nothing');
  await shot('first-run-error');

  await page.locator('#username').fill('alice');
  await page.getByRole('button', { name: 'Create my account' }).click();
  await eventually(() => app.running !== null && shell.window.currentUrl === app.running.uiUrl, 'the window to move to the UI', 30_000);
  const running = app.running!;
  assert.equal(running.homeserver.storage.stores.users.getUser('@alice:alice.test')?.admin, true, 'the owner is the server admin');

  // The window is now on the UI, whose preload gets the token from the main process (only for that URL).
  const token = shell.sendSync(IPC_CHANNELS.adminToken, running.uiUrl) as string;
  assert.equal(typeof token, 'string');
  await page.addInitScript(preloadBridge(token));
  await page.goto(running.uiUrl);
  await page.getByTestId('no-rooms').waitFor();
  await page.getByTestId('live-indicator').filter({ hasText: 'live' }).waitFor();
  await shot('first-run-done');
  assert.deepEqual(pageErrors, []);
});

/**
 * What main/preload.ts gives the page (`window.hearth`), with IPC through the app's handlers. A string, not a
 * function: the test runner's transform would add helpers the page does not have.
 */
function preloadBridge(token: string | null): string {
  return `
    const invoke = (channel, args) => window.hearthIpcInvoke(channel, args);
    const channels = ${JSON.stringify(IPC_CHANNELS)};
    window.hearth = {
      token: ${JSON.stringify(token)},
      restartServer: () => invoke(channels.restartServer, []),
      firstRun: { info: () => invoke(channels.firstRunInfo, []), submit: (answer) => invoke(channels.firstRunSubmit, [answer]) },
    };
  `;
}
