/**
 * The renderer in headless Chromium against a real running core that serves it, with data made through the
 * client API: rooms with the right names and counts, a new device appearing live, health numbers matching the
 * admin API, and a bad setting that shows its error and changes nothing. A screenshot of each page is saved
 * under test-artifacts/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { loadConfigFile } from '../../core/config/configLoader.ts';
import { ClientApi } from '../support/clientApi.ts';
import { createLoggedInUser } from '../support/testHomeserver.ts';
import { tempDir } from '../support/tempDir.ts';
import { e2eeUser, loginAgain, uploadDeviceKeys } from '../integration/keys/e2eeTestKit.ts';
import { admin, startAdminTestServer } from '../integration/admin/adminTestKit.ts';
import { buildRenderer, chromiumPath, launchChromium, startUiSession } from './chromiumBrowser.ts';

test('the desktop UI in Chromium: rooms, live device list, health, settings', async (t) => {
  const session = await startUiSession(t);
  if (!session) return;
  const { page, pageErrors, shot } = session;
  const server = await startAdminTestServer(t, { rendererDirectory: session.rendererDirectory });

  // Data through the client API.
  const alice = await e2eeUser(server, 'alice');
  await uploadDeviceKeys(alice);
  const bob = new ClientApi(server.baseUrl, await createLoggedInUser(server, 'bob'));
  const carol = await createLoggedInUser(server, 'carol');
  const club = await alice.api.createRoom({ name: 'Book club', topic: 'Monthly books' });
  await alice.api.invite(club, bob.userId);
  await bob.join(club);
  await alice.api.invite(club, carol.userId);
  await bob.text(club, 'see you on Thursday');
  const garden = await alice.api.createRoom({ name: 'Garden' });

  // Rooms.
  await page.goto(`${server.baseUrl}/_desktop/#token=${server.token}`);
  await page.getByTestId('rooms-table').waitFor();
  assert.ok(!page.url().includes(server.token), 'the token is taken out of the address bar');
  await page.getByTestId('live-indicator').filter({ hasText: 'live' }).waitFor();
  const club_row = page.locator(`[data-testid="room-row"][data-room-id="${club}"]`);
  assert.equal(await club_row.getByTestId('room-name').textContent(), 'Book club');
  assert.equal(await club_row.getByTestId('room-joined').textContent(), '2');
  assert.equal(await club_row.getByTestId('room-invited').textContent(), '1');
  const garden_row = page.locator(`[data-testid="room-row"][data-room-id="${garden}"]`);
  assert.equal(await garden_row.getByTestId('room-name').textContent(), 'Garden');
  assert.equal(await garden_row.getByTestId('room-joined').textContent(), '1');
  // A room created now appears without a reload.
  const later = await alice.api.createRoom({ name: 'Created while watching' });
  await page.locator(`[data-testid="room-row"][data-room-id="${later}"]`).waitFor();
  await shot('rooms');
  await club_row.getByTestId('room-name').click();
  await page.getByTestId('room-title').filter({ hasText: 'Book club' }).waitFor();
  await page.getByTestId('room-timeline').getByText('see you on Thursday').waitFor();
  await shot('room-detail');

  // Device lists: a new device appears live.
  await page.getByTestId('nav-devices').click();
  const aliceCard = page.locator(`[data-testid="local-user"][data-user-id="${alice.user.userId}"]`);
  await aliceCard.locator(`[data-device-id="${alice.user.deviceId}"]`).waitFor();
  const phone = await loginAgain(server, alice.user.userId);
  await uploadDeviceKeys(phone);
  const phoneRow = aliceCard.locator(`[data-device-id="${phone.user.deviceId}"]`);
  await phoneRow.waitFor();
  assert.equal(await phoneRow.getByTestId('device-verification').textContent(), 'no cross-signing');
  const position = (await admin(server, 'GET /devices')).stream_position;
  await page.getByTestId('device-stream-position').filter({ hasText: String(position) }).waitFor();
  await shot('devices');

  // Health: the numbers are the admin API's.
  await page.getByTestId('nav-health').click();
  await page.getByTestId('stat-events').waitFor();
  const overview = await admin(server, 'GET /overview');
  assert.equal(await page.getByTestId('stat-events').textContent(), String(overview.counts.events));
  assert.equal(await page.getByTestId('stat-rooms').textContent(), String(overview.counts.rooms));
  assert.equal(await page.getByTestId('stat-users').textContent(), String(overview.counts.users));
  assert.equal(await page.getByTestId('homeserver-url').textContent(), overview.homeserver_url);
  assert.match((await page.getByTestId('relay-status').textContent())!, /not configured/);
  assert.match((await page.getByTestId('federation-status').textContent())!, /running/);
  // Live ticks keep the counts current.
  await bob.text(club, 'one more');
  const events = String((await admin(server, 'GET /overview')).counts.events);
  await page.getByTestId('stat-events').filter({ hasText: new RegExp(`^${events}$`) }).waitFor();
  await page.getByTestId('events-chart').waitFor();
  await shot('health');
  // Pausing federation: saved, and the page says what a pause holds; resuming takes the note away.
  await page.getByTestId('federation-toggle').filter({ hasText: 'Pause federation' }).click();
  await page.getByTestId('federation-paused-note').filter({ hasText: 'stays paused after a restart' }).waitFor();
  assert.match((await page.getByTestId('federation-status').textContent())!, /^paused/);
  assert.equal(loadConfigFile(server.configFile).federation.paused, true);
  assert.equal((await admin(server, 'GET /overview')).federation.paused, true);
  await shot('health-federation-paused');
  await page.getByTestId('federation-toggle').filter({ hasText: 'Resume federation' }).click();
  await page.getByTestId('federation-paused-note').waitFor({ state: 'detached' });
  assert.equal(loadConfigFile(server.configFile).federation.paused, false);

  // Settings: a bad port shows its error and changes nothing.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-form').waitFor();
  const before = readFileSync(server.configFile, 'utf8');
  await page.locator('#port').fill('70000');
  await page.locator('#relay_url').fill('ftp://relay.example.net');
  await page.getByTestId('settings-save').click();
  await page.getByTestId('error-port').waitFor();
  assert.match((await page.getByTestId('error-port').textContent())!, /integer from 0 to 65535/);
  assert.match((await page.getByTestId('error-relay_url').textContent())!, /http\(s\) URL/);
  assert.equal(readFileSync(server.configFile, 'utf8'), before, 'nothing saved');
  assert.equal((await admin(server, 'GET /settings')).values.port, 0);
  await shot('settings-error');
  // A relay URL alone: its missing partners are both named, and nothing is saved.
  await page.locator('#port').fill('0');
  await page.locator('#relay_url').fill('https://relay.example.net');
  await page.getByTestId('settings-save').click();
  await page.getByTestId('error-relay_secret').filter({ hasText: 'required when a relay is set' }).waitFor();
  assert.match((await page.getByTestId('error-relay_server_name').textContent())!, /required when a relay is set/);
  assert.equal(await page.getByTestId('error-port').count(), 0, 'the port is fine now');
  assert.equal(readFileSync(server.configFile, 'utf8'), before, 'nothing saved');
  await shot('settings-relay-missing');
  // A good one is saved and says it waits for a restart.
  await page.locator('#port').fill('18557');
  await page.locator('#relay_url').fill('');
  await page.getByTestId('settings-save').click();
  await page.getByTestId('restart-required').filter({ hasText: 'port' }).waitFor();
  assert.equal((await admin(server, 'GET /settings')).values.port, 18557);
  await shot('settings');

  assert.deepEqual(pageErrors, []);
});

test('without a token the UI explains how to get one', async (t) => {
  const executable = chromiumPath();
  if (!executable) {
    t.skip('Chromium is not installed');
    return;
  }
  const rendererDirectory = tempDir(t, 'renderer-build-');
  buildRenderer(rendererDirectory);
  const server = await startAdminTestServer(t, { rendererDirectory });
  const browser = await launchChromium(executable);
  t.after(() => browser.close());
  const page: Page = await browser.newPage();
  await page.goto(`${server.baseUrl}/_desktop/`);
  await page.getByTestId('missing-token').waitFor();
  assert.match((await page.getByTestId('missing-token').textContent())!, /--admin-token-file/);
});
