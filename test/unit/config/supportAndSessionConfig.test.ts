/** The `support` section (served at /.well-known/matrix/support) and the refreshable access token lifetime: defaults and validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, parseConfig } from '../../../core/config/configLoader.ts';
import { ConfigError } from '../../../core/config/configError.ts';

test('defaults: no support section, refreshable access tokens live 5 minutes', () => {
  const config = buildConfig({});
  assert.equal(config.support, null);
  assert.equal(config.registration.refreshable_access_token_lifetime_ms, 300_000);
});

test('support contacts and page are read from YAML', () => {
  const config = parseConfig(`
support:
  contacts:
    - { matrix_id: '@admin:elsewhere.example', email_address: admin@example.org, role: m.role.admin }
    - { email_address: security@example.org, role: m.role.security }
    - { matrix_id: '@ops:example.org', role: org.example.operations }
  support_page: https://example.org/help
registration: { refreshable_access_token_lifetime_ms: 60000 }
`);
  assert.deepEqual(config.support, {
    contacts: [
      { matrix_id: '@admin:elsewhere.example', email_address: 'admin@example.org', role: 'm.role.admin' },
      { matrix_id: null, email_address: 'security@example.org', role: 'm.role.security' },
      { matrix_id: '@ops:example.org', email_address: null, role: 'org.example.operations' },
    ],
    support_page: 'https://example.org/help',
  });
  assert.equal(config.registration.refreshable_access_token_lifetime_ms, 60_000);
  assert.deepEqual(buildConfig({ support: { support_page: 'https://example.org/help' } }).support, { contacts: [], support_page: 'https://example.org/help' });
});

test('bad support sections and token lifetimes are refused, naming the field', () => {
  const refused = (raw: Record<string, unknown>, field: RegExp) =>
    assert.throws(() => buildConfig(raw), (e: unknown) => e instanceof ConfigError && field.test(e.message), JSON.stringify(raw));
  refused({ support: {} }, /support\.contacts.*support_page/);
  refused({ support: { contacts: [] } }, /support\.contacts/);
  refused({ support: { contacts: 'admin@example.org' } }, /support\.contacts/);
  refused({ support: { contacts: [{ email_address: 'a@example.org' }] } }, /support\.contacts\[0\]\.role/);
  refused({ support: { contacts: [{ role: 'm.role.admin' }] } }, /support\.contacts\[0\]\.matrix_id/);
  refused({ support: { contacts: [{ matrix_id: 'admin', role: 'm.role.admin' }] } }, /support\.contacts\[0\]\.matrix_id/);
  refused({ support: { contacts: [{ email_address: 'nobody', role: 'm.role.admin' }] } }, /support\.contacts\[0\]\.email_address/);
  refused({ support: { contacts: [{ email_address: 'a@example.org', role: 'm.role.boss' }] } }, /support\.contacts\[0\]\.role/);
  refused({ support: { contacts: [{ email_address: 'a@example.org', role: 'Boss' }] } }, /support\.contacts\[0\]\.role/);
  refused({ support: { contacts: [{ email_address: 'a@example.org', role: 'm.role.admin', phone: '1' }] } }, /support\.contacts\[0\]\.phone/);
  refused({ support: { support_page: 'ftp://example.org' } }, /support\.support_page/);
  refused({ support: { support_page: 'https://example.org', email: 'x' } }, /support\.email/);
  refused({ registration: { refreshable_access_token_lifetime_ms: 10 } }, /registration\.refreshable_access_token_lifetime_ms/);
  refused({ registration: { refreshable_access_token_lifetime_ms: '5m' } }, /registration\.refreshable_access_token_lifetime_ms/);
});
