/** Settings through the admin API: read, per-field validation that changes nothing, saving to the YAML file, restarts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { loadConfigFile } from '../../../core/config/configLoader.ts';
import type { DesktopIntegration } from '../../../core/http/admin/desktopIntegration.ts';
import type { AdminErrorBody } from '../../../core/http/admin/adminApiTypes.ts';
import { admin, adminRaw, startAdminTestServer } from './adminTestKit.ts';

async function refused(server: Awaited<ReturnType<typeof startAdminTestServer>>, body: unknown): Promise<AdminErrorBody> {
  const before = readFileSync(server.configFile, 'utf8');
  const res = await adminRaw(server, 'PUT /settings', { body });
  assert.equal(res.status, 400, res.text);
  const error = res.body as AdminErrorBody;
  assert.equal(error.errcode, 'M_INVALID_PARAM');
  assert.equal(typeof error.error, 'string');
  assert.equal(readFileSync(server.configFile, 'utf8'), before, 'a refused update changes nothing');
  return error;
}

test('settings: read, refused field by field with clear messages, saved to the config file, restart flagged', async (t) => {
  const server = await startAdminTestServer(t);
  const initial = await admin(server, 'GET /settings');
  assert.equal(initial.values.port, 0);
  assert.equal(initial.values.bind_address, '127.0.0.1');
  assert.equal(initial.values.server_name, 'hs.test');
  assert.equal(initial.values.relay_url, null);
  assert.equal(initial.values.relay_secret_set, false);
  assert.equal(initial.values.registration_enabled, false);
  assert.equal(initial.config_file, server.configFile);
  assert.deepEqual(initial.pending_restart, []);
  assert.equal(initial.fields.server_name.editable, false);
  assert.match(initial.fields.server_name.note!, /first start/);
  assert.equal(initial.fields.port.restart_required, true);
  assert.equal(initial.fields.start_at_login.editable, false, 'only in the desktop app');

  const several = await refused(server, { port: 70000, bind_address: 'bad host!', relay_url: 'ftp://relay.example.net' });
  assert.match(several.field_errors!.port!, /integer from 0 to 65535/);
  assert.match(several.field_errors!.bind_address!, /not a host name or IP address/);
  assert.match(several.field_errors!.relay_url!, /http\(s\) URL/);
  assert.match((await refused(server, { port: 'eighty' })).field_errors!.port!, /integer/);
  assert.match((await refused(server, { server_name: 'other.test' })).field_errors!.server_name!, /fixed at first start/);
  // A relay URL alone: both missing partners are named at once.
  const relayAlone = (await refused(server, { relay_url: 'https://relay.example.net' })).field_errors!;
  assert.deepEqual(Object.keys(relayAlone).sort(), ['relay_secret', 'relay_server_name']);
  assert.match(relayAlone.relay_secret!, /required when a relay is set/);
  assert.match((await refused(server, { relay_url: 'https://relay.example.net', relay_server_name: 'not a name!', relay_secret: 's' })).field_errors!.relay_server_name!, /not a valid server name/);
  assert.match((await refused(server, { port: null })).field_errors!.port!, /must have a value/);
  assert.match((await refused(server, { start_at_login: true })).field_errors!.start_at_login!, /desktop app/);
  assert.match((await refused(server, { colour: 'blue' })).field_errors!.colour!, /not a setting/);
  assert.match((await refused(server, { registration_enabled: 'yes' })).field_errors!.registration_enabled!, /true or false/);
  assert.equal((await adminRaw(server, 'PUT /settings', { body: [] })).status, 400);

  // Unchanged values are no change.
  const same = await admin(server, 'PUT /settings', { body: { server_name: 'hs.test', port: 0 } });
  assert.deepEqual([same.applied, same.restart_required], [[], []]);

  const saved = await admin(server, 'PUT /settings', { body: { port: 18555, registration_enabled: true, registration_token: 'letmein' } });
  assert.deepEqual([...saved.restart_required].sort(), ['port', 'registration_enabled', 'registration_token']);
  assert.deepEqual(saved.applied, []);
  assert.equal(saved.settings.values.port, 18555);
  assert.deepEqual([...saved.settings.pending_restart].sort(), ['port', 'registration_enabled', 'registration_token']);
  const text = readFileSync(server.configFile, 'utf8');
  assert.match(text, /^# test config/, 'comments survive');
  const onDisk = loadConfigFile(server.configFile);
  assert.equal(onDisk.client_listener.port, 18555);
  assert.deepEqual(onDisk.registration, { enabled: true, token: 'letmein', refreshable_access_token_lifetime_ms: 300_000 });
  assert.equal(onDisk.log_level, 'error', 'other settings survive');
  assert.equal(statSync(server.configFile).mode & 0o777, 0o600);
  // The running server is untouched until it restarts.
  assert.equal(server.homeserver.config.client_listener.port, 0);

  const relay = await admin(server, 'PUT /settings', { body: { relay_url: 'https://relay.example.net', relay_server_name: 'relay.example.net', relay_secret: 's3cret-value' } });
  assert.equal(relay.settings.values.relay_secret_set, true);
  assert.ok(!JSON.stringify(relay).includes('s3cret-value'), 'the secret is never sent back');
  assert.ok(!JSON.stringify(await admin(server, 'GET /settings')).includes('s3cret-value'));
  assert.equal(loadConfigFile(server.configFile).relay?.secret, 's3cret-value');
  // Changing the URL alone keeps the stored secret.
  await admin(server, 'PUT /settings', { body: { relay_url: 'https://relay2.example.net' } });
  assert.deepEqual(loadConfigFile(server.configFile).relay, { url: 'https://relay2.example.net', server_name: 'relay.example.net', secret: 's3cret-value' });
  const removed = await admin(server, 'PUT /settings', { body: { relay_url: null } });
  assert.equal(removed.settings.values.relay_url, null);
  assert.equal(loadConfigFile(server.configFile).relay, null);
});

test('settings: start at login goes to the desktop integration and applies at once', async (t) => {
  let startAtLogin = false;
  const calls: boolean[] = [];
  const desktop: DesktopIntegration = {
    startAtLogin: () => startAtLogin,
    setStartAtLogin: (enabled) => {
      calls.push(enabled);
      startAtLogin = enabled;
    },
  };
  const server = await startAdminTestServer(t, { desktop });
  assert.equal((await admin(server, 'GET /settings')).fields.start_at_login.editable, true);
  const before = readFileSync(server.configFile, 'utf8');
  const result = await admin(server, 'PUT /settings', { body: { start_at_login: true } });
  assert.deepEqual(result.applied, ['start_at_login']);
  assert.deepEqual(result.restart_required, []);
  assert.equal(result.settings.values.start_at_login, true);
  assert.deepEqual(calls, [true]);
  assert.equal(readFileSync(server.configFile, 'utf8'), before);
  // A refused update applies nothing, not even its valid part.
  const refusedUpdate = await adminRaw(server, 'PUT /settings', { body: { start_at_login: false, port: -1 } });
  assert.equal(refusedUpdate.status, 400);
  assert.deepEqual(calls, [true]);
});
