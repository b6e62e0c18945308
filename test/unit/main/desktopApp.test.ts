/**
 * The desktop app's logic with Electron's APIs injected (FakeShell) and the real core underneath: single
 * instance, first run, tray actions, persisted settings, restart, and a shutdown that waits for the core.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import { DesktopApp } from '../../../main/desktopApp.ts';
import { IPC_CHANNELS } from '../../../main/ipcChannels.ts';
import { DESKTOP_SETTINGS_FILE } from '../../../main/desktopSettingsStore.ts';
import { desktopConfigPath } from '../../../main/desktopConfigFile.ts';
import { loadConfigFile } from '../../../core/config/configLoader.ts';
import { openDatabase } from '../../../core/storage/engine/database.ts';
import { DATABASE_FILE } from '../../../core/storage/dataDirectory.ts';
import { Logger } from '../../../core/logging/logger.ts';
import type { FirstRunInfo, FirstRunResult } from '../../../core/http/admin/desktopBridgeTypes.ts';
import type { SettingsUpdateResponse } from '../../../core/http/admin/adminApiTypes.ts';
import { tempDir } from '../../support/tempDir.ts';
import { TEST_PASSWORD_COST } from '../../support/testHomeserver.ts';
import { request } from '../../support/httpClient.ts';
import { FakeShell } from './fakeDesktopShell.ts';

const RENDERER = '/opt/hearth/renderer/dist';
const SETUP_URL = `file://${RENDERER}/setup.html`;
const OWNER = { server_name: 'alice.test', username: 'alice', password: 'correct horse battery' };

function newApp(t: TestContext, shell: FakeShell): DesktopApp {
  const app = new DesktopApp({
    shell,
    paths: { preload: '/opt/hearth/preload.cjs', rendererDirectory: RENDERER, trayIcon: '/opt/hearth/tray.png' },
    initialConfig: { client_listener: { host: '127.0.0.1', port: 0 }, log_level: 'error' },
    log: new Logger('error', { write() {} }),
    passwordCost: TEST_PASSWORD_COST,
  });
  t.after(async () => {
    if (shell.exitCode === null) await app.shutdown();
  });
  return app;
}

/** A first run that created the owner; returns the app and its shell. */
async function setUpOwner(t: TestContext, userData: string): Promise<{ app: DesktopApp; shell: FakeShell }> {
  const shell = new FakeShell(userData);
  const app = newApp(t, shell);
  assert.equal(await app.start(), 'first-run');
  const result = (await shell.invoke(IPC_CHANNELS.firstRunSubmit, SETUP_URL, OWNER)) as FirstRunResult;
  assert.ok(result.ok, JSON.stringify(result));
  return { app, shell };
}

test('only one instance runs: a second launch quits, and the first brings its window forward', async (t) => {
  const userData = tempDir(t, 'desktop-');
  const { app, shell } = await setUpOwner(t, userData);
  const window = shell.window;
  window.minimized = true;
  shell.launchSecondInstance();
  assert.equal(window.restored, 1);
  assert.ok(window.shown > 0 && window.focused > 0);
  assert.equal(shell.windows.length, 1, 'no second window');

  const otherShell = new FakeShell(userData);
  otherShell.lockAvailable = false;
  const other = newApp(t, otherShell);
  assert.equal(await other.start(), 'second-instance');
  assert.equal(otherShell.quitCalls, 1);
  assert.equal(otherShell.windows.length, 0);
  assert.equal(other.running, null, 'the second instance never starts a core');
  assert.ok(app.running);
});

test('the first run asks for the owner, creates the account through the core, then opens the UI; later launches go straight there', async (t) => {
  const userData = tempDir(t, 'desktop-');
  const shell = new FakeShell(userData);
  const app = newApp(t, shell);
  assert.equal(await app.start(), 'first-run');
  assert.equal(shell.window.currentUrl, SETUP_URL);
  assert.equal(shell.window.options.preloadPath, '/opt/hearth/preload.cjs');
  assert.match(shell.tray.tooltip, /first-run/);
  assert.equal(app.running, null, 'no server before the owner is chosen');

  const info = (await shell.invoke(IPC_CHANNELS.firstRunInfo, SETUP_URL)) as FirstRunInfo;
  assert.equal(info.fixed_server_name, null);
  await assert.rejects(shell.invoke(IPC_CHANNELS.firstRunInfo, 'https://evil.example/setup.html'), /not allowed/);

  // Each bad answer names its field; nothing is created.
  const bad = async (answer: object, field: string) => {
    const result = (await shell.invoke(IPC_CHANNELS.firstRunSubmit, SETUP_URL, answer)) as FirstRunResult;
    assert.equal(result.ok, false);
    assert.equal((result as { field: string }).field, field, JSON.stringify(result));
  };
  await bad({ ...OWNER, server_name: 'not a name!' }, 'server_name');
  await bad({ ...OWNER, username: 'Alice Smith' }, 'username');
  await bad({ ...OWNER, password: 'short' }, 'password');
  assert.equal(existsSync(desktopConfigPath(userData)), false);

  const result = (await shell.invoke(IPC_CHANNELS.firstRunSubmit, SETUP_URL, OWNER)) as FirstRunResult;
  assert.deepEqual(result, { ok: true, user_id: '@alice:alice.test' });
  const running = app.running!;
  assert.equal(running.homeserver.serverName, 'alice.test');
  const owner = running.homeserver.storage.stores.users.getUser('@alice:alice.test')!;
  assert.equal(owner.admin, true);
  assert.equal(loadConfigFile(desktopConfigPath(userData)).data_dir, join(userData, 'data'));
  assert.equal(JSON.parse(readFileSync(join(userData, DESKTOP_SETTINGS_FILE), 'utf8')).ownerUserId, '@alice:alice.test');
  assert.equal(shell.window.currentUrl, running.uiUrl);
  assert.match(running.uiUrl, /^http:\/\/127\.0\.0\.1:\d+\/_desktop\/$/);
  assert.match(shell.tray.tooltip, /running at http:\/\/127\.0\.0\.1:\d+/);
  // The owner can log in with the chosen password.
  const login = await request(running.homeserverUrl, 'POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: OWNER.password },
  });
  assert.equal(login.status, 200);
  // The preload gets the token only for the UI served by the core.
  assert.equal(shell.sendSync(IPC_CHANNELS.adminToken, running.uiUrl), running.homeserver.admin.token);
  assert.equal(shell.sendSync(IPC_CHANNELS.adminToken, SETUP_URL), null);
  assert.equal(shell.sendSync(IPC_CHANNELS.adminToken, 'https://evil.example/_desktop/'), null);
  // A second submission is refused: the owner exists.
  assert.equal(((await shell.invoke(IPC_CHANNELS.firstRunSubmit, SETUP_URL, { ...OWNER, username: 'mallory' })) as FirstRunResult).ok, false);
  await app.shutdown();

  const again = new FakeShell(userData);
  const relaunched = newApp(t, again);
  assert.equal(await relaunched.start(), 'running');
  assert.equal(again.window.currentUrl, relaunched.running!.uiUrl, 'straight to the UI');
  assert.equal(relaunched.running!.homeserver.storage.stores.users.getUser('@alice:alice.test')?.admin, true);
});

test('tray: status and quick actions (open, copy the homeserver URL, pause federation, quit)', async (t) => {
  const { app, shell } = await setUpOwner(t, tempDir(t, 'desktop-'));
  const tray = shell.tray;
  const running = app.running!;
  assert.deepEqual(tray.labels().slice(1), ['Open Hearth', 'Copy homeserver URL', 'Pause federation', 'Quit Hearth']);
  assert.match(tray.labels()[0]!, /running at/);

  tray.click(/Copy homeserver URL/);
  assert.equal(shell.clipboard, running.homeserverUrl);
  assert.equal((await request(shell.clipboard!, 'GET', '/_matrix/client/versions')).status, 200);

  tray.click(/Pause federation/);
  assert.equal(running.homeserver.federation!.sender.isPaused, true);
  assert.ok(tray.labels().includes('Resume federation'));
  assert.match(tray.tooltip, /federation paused/);
  tray.click(/Resume federation/);
  assert.equal(running.homeserver.federation!.sender.isPaused, false);

  // Closing the window keeps the server in the tray; Open brings a new window on the UI.
  shell.window.close();
  tray.click(/Open Hearth/);
  assert.equal(shell.windows.length, 2);
  assert.equal(shell.window.currentUrl, running.uiUrl);
  assert.ok(app.running, 'the server kept running');

  tray.click(/Quit Hearth/);
  await shell.whenExited();
  assert.equal(app.running, null);
  assert.ok(tray.destroyed);
});

test('pause federation is saved: it holds after a relaunch, and a pause from the UI shows in the tray', async (t) => {
  const userData = tempDir(t, 'desktop-');
  const { app, shell } = await setUpOwner(t, userData);
  shell.tray.click(/Pause federation/);
  assert.equal(loadConfigFile(desktopConfigPath(userData)).federation.paused, true, 'saved in homeserver.yaml');
  await app.shutdown();

  const again = new FakeShell(userData);
  const relaunched = newApp(t, again);
  assert.equal(await relaunched.start(), 'running');
  const running = relaunched.running!;
  assert.equal(running.homeserver.federation!.sender.isPaused, true);
  assert.ok(again.tray.labels().includes('Resume federation'));
  assert.match(again.tray.tooltip, /federation paused/);

  // Resumed from the health page (the admin API): the tray follows.
  const token = again.sendSync(IPC_CHANNELS.adminToken, running.uiUrl) as string;
  const res = await request(running.uiUrl.replace(/\/_desktop\/$/, ''), 'PUT', '/_desktop/api/federation/paused', { body: { paused: false }, headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, res.text);
  assert.ok(again.tray.labels().includes('Pause federation'));
  assert.doesNotMatch(again.tray.tooltip, /paused/);
  assert.equal(loadConfigFile(desktopConfigPath(userData)).federation.paused, false);
});

test('settings persist: start at login applies to the OS at once and at every launch; a saved port applies on restart without losing data', async (t) => {
  const userData = tempDir(t, 'desktop-');
  const { app, shell } = await setUpOwner(t, userData);
  const running = app.running!;
  const token = shell.sendSync(IPC_CHANNELS.adminToken, running.uiUrl) as string;
  const put = async (body: object) => {
    const res = await request(running.uiUrl.replace(/\/_desktop\/$/, ''), 'PUT', '/_desktop/api/settings', { body, headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, res.text);
    return res.body as SettingsUpdateResponse;
  };
  assert.deepEqual(shell.openAtLogin, [false]);
  const saved = await put({ start_at_login: true });
  assert.deepEqual(saved.applied, ['start_at_login']);
  assert.deepEqual(shell.openAtLogin, [false, true]);
  assert.equal(JSON.parse(readFileSync(join(userData, DESKTOP_SETTINGS_FILE), 'utf8')).startAtLogin, true);

  // A new port: saved, flagged for restart; the restart (the renderer's button) moves the server and the window.
  const port = await freePort();
  const portChange = await put({ port });
  assert.deepEqual(portChange.restart_required, ['port']);
  await assert.rejects(shell.invoke(IPC_CHANNELS.restartServer, 'https://evil.example/'), /not allowed/);
  await shell.invoke(IPC_CHANNELS.restartServer, running.uiUrl);
  const restarted = app.running!;
  assert.notEqual(restarted.homeserver, running.homeserver);
  assert.equal(restarted.uiUrl, `http://127.0.0.1:${port}/_desktop/`);
  assert.equal(shell.window.currentUrl, restarted.uiUrl);
  assert.equal(restarted.homeserver.storage.stores.users.getUser('@alice:alice.test')?.admin, true, 'no data lost');
  assert.notEqual(shell.sendSync(IPC_CHANNELS.adminToken, restarted.uiUrl), token, 'a new launch of the core, a new token');
  await app.shutdown();

  const again = new FakeShell(userData);
  const relaunched = newApp(t, again);
  await relaunched.start();
  assert.deepEqual(again.openAtLogin, [true], 'applied at launch from the persisted settings');
  assert.equal(relaunched.running!.uiUrl, `http://127.0.0.1:${port}/_desktop/`);
});

test('bound to one network address, the window still reaches the UI and its admin API over loopback', async (t) => {
  // Test servers bind to 127.0.0.1 only, unless whoever runs the suite allows the network (HEARTH_TEST_LAN=1).
  const ip = process.env.HEARTH_TEST_LAN !== '1' ? undefined : Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (!ip) {
    t.skip('set HEARTH_TEST_LAN=1 (and have a non-loopback IPv4 address) to listen on the network in this test');
    return;
  }
  const { app, shell } = await setUpOwner(t, tempDir(t, 'desktop-'));
  const running = app.running!;
  const token = shell.sendSync(IPC_CHANNELS.adminToken, running.uiUrl) as string;
  const saved = await request(running.uiUrl.replace(/\/_desktop\/$/, ''), 'PUT', '/_desktop/api/settings', { body: { bind_address: ip }, headers: { Authorization: `Bearer ${token}` } });
  assert.equal(saved.status, 200, saved.text);
  await shell.invoke(IPC_CHANNELS.restartServer, running.uiUrl);

  const restarted = app.running!;
  const port = new URL(restarted.homeserverUrl).port;
  assert.equal(restarted.homeserverUrl, `http://${ip}:${port}`);
  assert.equal(restarted.uiUrl, `http://127.0.0.1:${port}/_desktop/`);
  assert.equal(shell.window.currentUrl, restarted.uiUrl);
  const newToken = shell.sendSync(IPC_CHANNELS.adminToken, restarted.uiUrl) as string;
  const overview = await request(restarted.uiUrl.replace(/\/_desktop\/$/, ''), 'GET', '/_desktop/api/overview', { headers: { Authorization: `Bearer ${newToken}` } });
  assert.equal(overview.status, 200, overview.text);
  assert.match(shell.tray.tooltip, new RegExp(`running at http://${ip.replace(/\./g, '\\.')}:${port}`));
  // Matrix clients use the network address.
  assert.equal((await request(restarted.homeserverUrl, 'GET', '/_matrix/client/versions')).status, 200);
});

test('a port taken by another program: the server starts elsewhere and says so', async (t) => {
  const userData = tempDir(t, 'desktop-');
  const { app } = await setUpOwner(t, userData);
  const first = app.running!;
  const port = Number(new URL(first.uiUrl).port);
  await app.shutdown();
  // Pin the config to the port, and hold it with another server.
  const { createServer } = await import('node:net');
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
  t.after(() => squatter.close());
  const configPath = desktopConfigPath(userData);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/port: 0/, `port: ${port}`));

  const again = new FakeShell(userData);
  const relaunched = newApp(t, again);
  assert.equal(await relaunched.start(), 'running');
  assert.deepEqual(relaunched.running!.portFallback?.configured, port);
  assert.notEqual(relaunched.running!.portFallback?.used, port);
  assert.match(again.errors[0]!.message, new RegExp(`Port ${port} is used by another program`));
});

test('quitting waits for the core to stop: in-flight writes finish before the process ends', async (t) => {
  const userData = tempDir(t, 'desktop-');
  const { app, shell } = await setUpOwner(t, userData);
  const running = app.running!;
  const stop = running.homeserver.stop.bind(running.homeserver);
  running.homeserver.stop = async () => {
    await stop();
    shell.events.push('core-stopped');
  };
  const login = await request(running.homeserverUrl, 'POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: OWNER.password },
  });
  const accessToken = (login.body as { access_token: string }).access_token;
  const created = await request(running.homeserverUrl, 'POST', '/_matrix/client/v3/createRoom', { body: {}, accessToken });
  const roomId = (created.body as { room_id: string }).room_id;
  // Writes in flight while the user quits.
  const sends = Array.from({ length: 20 }, (_, i) =>
    request(running.homeserverUrl, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/q${i}`, { body: { msgtype: 'm.text', body: `m${i}` }, accessToken }).catch(() => null),
  );
  await new Promise((resolve) => setTimeout(resolve, 5));
  shell.quit();
  assert.equal(shell.exitCode, null, 'the quit was held for the core');
  await shell.whenExited();
  assert.deepEqual(shell.events, ['quit-prevented', 'core-stopped', 'exit']);
  const answered = (await Promise.all(sends)).filter((r) => r?.status === 200).map((r) => (r!.body as { event_id: string }).event_id);
  const db = openDatabase(join(userData, 'data', DATABASE_FILE), { readonly: true });
  try {
    for (const eventId of answered) assert.ok(db.prepare('SELECT 1 FROM events WHERE event_id = ?').get(eventId), `${eventId} was answered, so it is stored`);
  } finally {
    db.close();
  }
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
