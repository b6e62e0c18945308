import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig, loadConfigFile, parseConfig } from '../../../core/config/configLoader.ts';
import { ConfigError } from '../../../core/config/configError.ts';
import { DEFAULT_CONFIG, clientBaseUrl } from '../../../core/config/homeserverConfig.ts';
import { tempDir } from '../../support/tempDir.ts';

function refusedWith(yaml: string, field: string, fragment?: RegExp) {
  assert.throws(
    () => parseConfig(yaml),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
      assert.equal(e.field, field);
      assert.match(e.message, new RegExp(`"${field.replace(/\./g, '\\.')}"`));
      if (fragment) assert.match(e.message, fragment);
      return true;
    },
  );
}

test('an empty config gives the embedded defaults: ./data and 127.0.0.1:8008', () => {
  const config = buildConfig({});
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.equal(config.data_dir, './data');
  assert.deepEqual(config.client_listener, { host: '127.0.0.1', port: 8008 });
  assert.equal(config.registration.enabled, false);
  assert.equal(clientBaseUrl(config), 'http://127.0.0.1:8008');
  assert.deepEqual(parseConfig(''), DEFAULT_CONFIG);
});

test('a full config file is read with every section', () => {
  const config = parseConfig(`
server_name: alice.example.org
data_dir: /var/lib/hs
public_baseurl: https://matrix.alice.example.org/
client_listener: { host: 0.0.0.0, port: 9000 }
federation:
  listener: { host: 127.0.0.1, port: 8448, tls_cert: /c.pem, tls_key: /k.pem }
  verify_certificates: false
  resolve: { "bob.test": "http://127.0.0.1:18448" }
  allow_insecure_http: true
  paused: true
relay: { url: https://relay.example.net, server_name: relay.example.net, secret: s3cret }
registration: { enabled: true, token: abc }
limits: { max_request_body_bytes: 2048 }
log_level: debug
`);
  assert.equal(config.server_name, 'alice.example.org');
  assert.equal(config.client_listener.port, 9000);
  assert.deepEqual(config.federation.listener, { host: '127.0.0.1', port: 8448, tls_cert: '/c.pem', tls_key: '/k.pem' });
  assert.equal(config.federation.resolve['bob.test'], 'http://127.0.0.1:18448');
  assert.equal(config.federation.paused, true);
  assert.equal(config.relay?.secret, 's3cret');
  assert.deepEqual(config.registration, { enabled: true, token: 'abc', refreshable_access_token_lifetime_ms: 300_000 });
  assert.equal(config.limits.max_request_body_bytes, 2048);
  assert.equal(clientBaseUrl(config), 'https://matrix.alice.example.org');
});

test('CLI overrides beat the file', () => {
  const config = parseConfig('client_listener: { port: 9000 }\nserver_name: a.example', { port: 0, host: '::1', data_dir: '/x', server_name: 'b.example' });
  assert.deepEqual(config.client_listener, { host: '::1', port: 0 });
  assert.equal(config.data_dir, '/x');
  assert.equal(config.server_name, 'b.example');
});

test('invalid configs are refused naming the bad field', () => {
  refusedWith('client_listener: { port: "eighty" }', 'client_listener.port', /integer from 0 to 65535/);
  refusedWith('client_listener: { port: 70000 }', 'client_listener.port');
  refusedWith('client_listener: { prot: 1 }', 'client_listener.prot', /not a known setting/);
  refusedWith('server_name: "not a name!"', 'server_name');
  refusedWith('sever_name: typo.example', 'sever_name', /not a known setting/);
  refusedWith('registration: { enabled: "yes" }', 'registration.enabled', /true or false/);
  refusedWith('federation: { resolve: { "bob.test": "ftp://x" } }', 'federation.resolve.bob.test', /http/);
  refusedWith('federation: { listener: { tls_cert: /c.pem } }', 'federation.listener.tls_key');
  refusedWith('relay: { url: https://r.example }', 'relay.server_name', /required/);
  refusedWith('log_level: loud', 'log_level', /debug, info, warn, error/);
  refusedWith('limits: { max_request_body_bytes: 10 }', 'limits.max_request_body_bytes');
  refusedWith('public_baseurl: "not a url"', 'public_baseurl');
  refusedWith('client_listener: [1, 2]', 'client_listener', /mapping/);
});

test('an events writer other than main needs an address in instance_map (SEED-BEHAVIOURS.md §2)', () => {
  refusedWith('stream_writers: { events: worker1 }', 'stream_writers.events', /no address in instance_map/);
  const config = parseConfig('stream_writers: { events: worker1 }\ninstance_map: { worker1: { host: 127.0.0.1, port: 9101 } }');
  assert.equal(config.stream_writers.events, 'worker1');
  assert.deepEqual(config.instance_map.worker1, { host: '127.0.0.1', port: 9101 });
});

test('malformed YAML and unreadable files are ConfigErrors, not crashes', (t) => {
  assert.throws(() => parseConfig('a: [unclosed'), (e: unknown) => e instanceof ConfigError && /not valid YAML/.test(e.message));
  assert.throws(() => parseConfig('- just\n- a list'), (e: unknown) => e instanceof ConfigError && /mapping/.test(e.message));
  const dir = tempDir(t);
  assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), (e: unknown) => e instanceof ConfigError && /cannot be read/.test(e.message));
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, 'server_name: file.example\n');
  assert.equal(loadConfigFile(file).server_name, 'file.example');
});
