import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRelayServiceConfig, DEFAULT_RELAY_LIMITS } from '../../../core/config/relayServiceConfig.ts';
import { buildConfig } from '../../../core/config/configLoader.ts';
import { ConfigError } from '../../../core/config/configError.ts';

const SECRET = 'a-secret-of-enough-length';

function refusedWith(raw: unknown, field: string, problem: RegExp): void {
  assert.throws(
    () => buildRelayServiceConfig(raw),
    (e: unknown) => e instanceof ConfigError && e.field === field && problem.test(e.problem),
    `expected ${field} to be refused with ${problem}`,
  );
}

test('a relay config with tenants, a TLS listener, federation settings and limits', () => {
  const config = buildRelayServiceConfig({
    server_name: 'relay.example.net',
    data_dir: '/var/lib/relay',
    listener: { host: '0.0.0.0', port: 8448, tls_cert: '/c.pem', tls_key: '/k.pem' },
    federation: { resolve: { 'peer.test': 'http://127.0.0.1:1234' }, allow_insecure_http: true, verify_certificates: false },
    tenants: [{ server_name: 'alice.example.org', secret: SECRET }, { server_name: '127.0.0.1:19448', secret: SECRET }],
    limits: { mailbox_max_entries: 5, origin_deposit_burst: 7 },
  });
  assert.equal(config.server_name, 'relay.example.net');
  assert.deepEqual(config.listener, { host: '0.0.0.0', port: 8448, tls_cert: '/c.pem', tls_key: '/k.pem' });
  assert.deepEqual(config.federation, { resolve: { 'peer.test': 'http://127.0.0.1:1234' }, allow_insecure_http: true, verify_certificates: false });
  assert.deepEqual(config.tenants.map((t) => t.server_name), ['alice.example.org', '127.0.0.1:19448']);
  assert.equal(config.limits.mailbox_max_entries, 5);
  assert.equal(config.limits.origin_deposit_burst, 7);
  assert.equal(config.limits.mailbox_max_bytes, DEFAULT_RELAY_LIMITS.mailbox_max_bytes, 'unset limits keep their defaults');
  assert.equal(config.data_dir, '/var/lib/relay');
});

test('bad relay configs are refused naming the field', () => {
  const tenants = [{ server_name: 'a.test', secret: SECRET }];
  refusedWith({ tenants }, 'server_name', /required/);
  refusedWith({ server_name: 'relay.test' }, 'tenants', /at least one tenant/);
  refusedWith({ server_name: 'relay.test', tenants: [{ server_name: 'a.test' }] }, 'tenants[0].secret', /required/);
  refusedWith({ server_name: 'relay.test', tenants: [{ server_name: 'a.test', secret: 'short' }] }, 'tenants[0].secret', /at least 16 characters/);
  refusedWith({ server_name: 'relay.test', tenants: [...tenants, ...tenants] }, 'tenants[1].server_name', /second time/);
  refusedWith({ server_name: 'relay.test', tenants: [{ server_name: 'relay.test', secret: SECRET }] }, 'tenants[0].server_name', /relay's own name/);
  refusedWith({ server_name: 'relay.test', tenants: [{ server_name: 'bad name!', secret: SECRET }] }, 'tenants[0].server_name', /not a valid server name/);
  refusedWith({ server_name: 'relay.test', tenants: 'a.test' }, 'tenants', /list of mappings/);
  refusedWith({ server_name: 'relay.test', tenants, limits: { mailbox_max_entries: 0 } }, 'limits.mailbox_max_entries', /integer from 1/);
  refusedWith({ server_name: 'relay.test', tenants, limits: { per_hour: 1 } }, 'limits.per_hour', /not a known setting/);
  refusedWith({ server_name: 'relay.test', tenants, listener: { tls_cert: '/c.pem' } }, 'listener.tls_key', /together/);
  refusedWith({ server_name: 'relay.test', tenants, federation: { listener: {} } }, 'federation.listener', /not a known setting/);
  refusedWith({ server_name: 'relay.test', tenants, federation: { resolve: { 'x.test': 'ftp://x' } } }, 'federation.resolve.x.test', /http/);
});

test('a homeserver names the relays of its peers in federation.peer_relays', () => {
  const config = buildConfig({ federation: { peer_relays: { 'bob.example.org': 'relay.example.net' } } });
  assert.deepEqual(config.federation.peer_relays, { 'bob.example.org': 'relay.example.net' });
  assert.deepEqual(buildConfig({}).federation.peer_relays, {});
  assert.throws(() => buildConfig({ federation: { peer_relays: { 'bob.example.org': 'not a name!' } } }), /federation\.peer_relays\.bob\.example\.org/);
});
