/**
 * The health page with a real relay, in Chromium: hs.test (the server whose UI is shown) federates only through
 * relay.test; c.test, once it cannot reach hs.test directly, deposits its transactions in hs.test's mailbox,
 * which hs.test collects. The page shows the live tunnel ("connected") and the mailbox numbers, equal to the
 * admin API's; the settings page refuses bad relay settings field by field and saves nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ClientApi } from '../support/clientApi.ts';
import { createLoggedInUser, startTestHomeserver } from '../support/testHomeserver.ts';
import { eventually } from '../support/federatedServers.ts';
import { RELAY_NAME, RunningRelay, tenantSecret } from '../support/relayedServers.ts';
import { admin, startAdminTestServer } from '../integration/admin/adminTestKit.ts';
import { startUiSession } from './chromiumBrowser.ts';

test('the health page shows the relay connection and mailbox; relay settings are checked', { timeout: 180_000 }, async (t) => {
  const session = await startUiSession(t);
  if (!session) return;
  const { page, pageErrors, shot } = session;

  const c = await startTestHomeserver(t, {
    server_name: 'c.test',
    federation: { listener: { host: '127.0.0.1', port: 0 }, allow_insecure_http: true, peer_relays: { 'hs.test': RELAY_NAME } },
  });
  const cUrl = `http://127.0.0.1:${c.homeserver.federationListenerAddress!.port}`;
  const relay = await RunningRelay.start(t, { tenants: ['hs.test'], resolve: { 'c.test': cUrl } });
  const server = await startAdminTestServer(
    t,
    { rendererDirectory: session.rendererDirectory },
    `federation:\n  allow_insecure_http: true\n  resolve: { c.test: "${cUrl}" }\nrelay: { url: "${relay.url}", server_name: ${RELAY_NAME}, secret: ${tenantSecret('hs.test')} }\n`,
  );
  const cResolver = c.homeserver.federation!.resolver;
  cResolver.setStatic(RELAY_NAME, relay.url);
  cResolver.setStatic('hs.test', relay.url);
  await eventually(() => relay.service.tunnels.isConnected('hs.test'), 'the tunnel of hs.test', 30_000);

  // A room across the relay, then hs.test unreachable directly: c.test's message goes to the mailbox.
  const carol = new ClientApi(c.baseUrl, await createLoggedInUser(c, 'carol'));
  const bob = new ClientApi(server.baseUrl, await createLoggedInUser(server, 'bob'));
  const roomId = await carol.createRoom({ preset: 'private_chat', invite: [bob.userId] });
  await bob.join(roomId);
  await eventually(async () => (await c.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.userId), 'c.test to see bob join', 30_000);
  cResolver.setStatic('hs.test', 'http://127.0.0.1:1');
  const message = await carol.text(roomId, 'through the mailbox');
  await eventually(async () => (await server.homeserver.storage.stores.events.getEvent(message)) !== null, 'hs.test to collect the message', 30_000);
  const relayStatus = (await admin(server, 'GET /overview')).relay;
  assert.equal(relayStatus.connection, 'connected');
  assert.ok(relayStatus.mailbox_collected! >= 1);

  await page.goto(`${server.baseUrl}/_desktop/#token=${server.token}`);
  await page.getByTestId('nav-health').click();
  const status = page.locator('[data-testid="relay-status"][data-connection="connected"]');
  await status.filter({ hasText: `connected to ${RELAY_NAME}` }).waitFor();
  assert.match((await status.textContent())!, new RegExp(relay.url.replace(/[.:/]/g, '\\$&')));
  // The mailbox numbers are the admin API's (awaited: the page re-reads the overview every few seconds).
  const shown = async () => ({
    pending: await page.getByTestId('relay-mailbox-pending').textContent(),
    collected: await page.getByTestId('relay-mailbox-collected').textContent(),
  });
  await eventually(async () => {
    const api = (await admin(server, 'GET /overview')).relay;
    const onPage = await shown();
    return onPage.pending === String(api.mailbox_pending) && onPage.collected === String(api.mailbox_collected) && Number(onPage.collected) >= 1;
  }, 'the mailbox numbers on the page to equal the admin API', 30_000);
  assert.equal((await shown()).pending, '0', 'collected, so nothing waits');
  assert.notEqual(await page.getByTestId('relay-mailbox-last-pull').textContent(), '—');
  await shot('health-relay');

  // Bad relay settings: each field gets its own message, and the config file is untouched.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-form').waitFor();
  assert.equal(await page.locator('#relay_url').inputValue(), relay.url);
  assert.equal(await page.locator('#relay_server_name').inputValue(), RELAY_NAME);
  const before = readFileSync(server.configFile, 'utf8');
  await page.locator('#relay_url').fill('ftp://relay.example.net');
  await page.locator('#relay_server_name').fill('not a name!');
  await page.getByTestId('settings-save').click();
  await page.getByTestId('error-relay_url').filter({ hasText: 'http(s) URL' }).waitFor();
  assert.match((await page.getByTestId('error-relay_server_name').textContent())!, /not a valid server name/);
  assert.equal(readFileSync(server.configFile, 'utf8'), before, 'nothing saved');
  await shot('settings-relay-errors');
  // A new secret alone is fine: saved, and waits for a restart.
  await page.locator('#relay_url').fill(relay.url);
  await page.locator('#relay_server_name').fill(RELAY_NAME);
  await page.locator('#relay_secret').fill('a-new-tunnel-secret');
  await page.getByTestId('settings-save').click();
  await page.getByTestId('restart-required').filter({ hasText: 'relay_secret' }).waitFor();
  assert.match(readFileSync(server.configFile, 'utf8'), /a-new-tunnel-secret/);
  assert.equal((await admin(server, 'GET /overview')).relay.connection, 'connected', 'the running tunnel is not touched');

  assert.deepEqual(pageErrors, []);
});
