/** The configuration of the media repository (upload limit, URL previews), of push gateways and of TURN servers: defaults and validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../../../core/config/configLoader.ts';
import { ConfigError } from '../../../core/config/configError.ts';

test('defaults: 50 MiB uploads, no URL previews, no TURN server', () => {
  const config = buildConfig({});
  assert.equal(config.limits.max_upload_bytes, 50 * 1024 * 1024);
  assert.deepEqual(config.media, { url_preview_enabled: false, url_preview_ip_allowlist: [] });
  assert.equal(config.voip, null);
});

test('media and voip settings are read and checked', () => {
  const config = buildConfig({
    limits: { max_upload_bytes: 10_000 },
    media: { url_preview_enabled: true, url_preview_ip_allowlist: ['192.168.0.0/16', '::1'] },
    voip: { turn_uris: ['turn:t.example:3478'], turn_shared_secret: 's', ttl: 3600 },
  });
  assert.equal(config.limits.max_upload_bytes, 10_000);
  assert.deepEqual(config.media.url_preview_ip_allowlist, ['192.168.0.0/16', '::1']);
  assert.deepEqual(config.voip, { turn_uris: ['turn:t.example:3478'], turn_shared_secret: 's', turn_username: null, turn_password: null, ttl: 3600 });
  const refused = (raw: Record<string, unknown>, field: RegExp) => assert.throws(() => buildConfig(raw), (e: unknown) => e instanceof ConfigError && field.test(e.message));
  refused({ limits: { max_upload_bytes: 10 } }, /limits\.max_upload_bytes/);
  refused({ limits: { max_upload_bytes: '50M' } }, /limits\.max_upload_bytes/);
  refused({ media: { url_preview_enabled: 'yes' } }, /media\.url_preview_enabled/);
  refused({ media: { url_preview_ip_allowlist: ['not-an-ip'] } }, /media\.url_preview_ip_allowlist\[0\]/);
  refused({ media: { url_preview_ip_allowlist: ['10.0.0.0/33'] } }, /prefix/);
  refused({ media: { previews: true } }, /media\.previews/);
  refused({ voip: { turn_uris: [] , turn_shared_secret: 's' } }, /voip\.turn_uris/);
  refused({ voip: { turn_uris: ['http://x'], turn_shared_secret: 's' } }, /voip\.turn_uris\[0\]/);
  refused({ voip: { turn_uris: ['turn:x'] } }, /voip\.turn_shared_secret/);
  refused({ voip: { turn_uris: ['turn:x'], turn_shared_secret: 's', turn_username: 'u', turn_password: 'p' } }, /voip\.turn_shared_secret/);
  refused({ voip: { turn_uris: ['turn:x'], turn_shared_secret: 's', ttl: 1 } }, /voip\.ttl/);
});

test('push gateways: none by default; allowed host names are read and checked', () => {
  assert.deepEqual(buildConfig({}).push, { gateway_hosts: [] });
  assert.deepEqual(buildConfig({ push: { gateway_hosts: ['push.example.org', '127.0.0.1'] } }).push.gateway_hosts, ['push.example.org', '127.0.0.1']);
  const refused = (raw: Record<string, unknown>, field: RegExp) => assert.throws(() => buildConfig(raw), (e: unknown) => e instanceof ConfigError && field.test(e.message));
  refused({ push: { gateway_hosts: ['https://push.example.org/'] } }, /push\.gateway_hosts\[0\]/);
  refused({ push: { gateway_hosts: 'push.example.org' } }, /push\.gateway_hosts/);
  refused({ push: { gateways: [] } }, /push\.gateways/);
});
