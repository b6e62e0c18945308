/** The server ACL rules (m.room.server_acl): order of checks, globs, ports ignored, IP literals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAllowedByAcl } from '../../../core/federation/serverAcl.ts';

test('deny wins over allow; no allow entry denies everyone; globs match whole host names case-insensitively', () => {
  const acl = { allow: ['*'], deny: ['evil.test', '*.bad.test', 'bi?.test'] };
  assert.equal(serverAllowedByAcl('good.test', acl), true);
  assert.equal(serverAllowedByAcl('evil.test', acl), false);
  assert.equal(serverAllowedByAcl('EVIL.test', acl), false);
  assert.equal(serverAllowedByAcl('very.bad.test', acl), false);
  assert.equal(serverAllowedByAcl('bad.test', acl), true, '*.bad.test needs a label before bad.test');
  assert.equal(serverAllowedByAcl('bid.test', acl), false);
  assert.equal(serverAllowedByAcl('notevil.test', acl), true, 'patterns match the whole name');
  assert.equal(serverAllowedByAcl('anything.test', { deny: [] }), false, 'no allow list: nobody');
  assert.equal(serverAllowedByAcl('anything.test', {}), false);
  assert.equal(serverAllowedByAcl('a.test', { allow: ['a.test'], deny: 'not a list' as never }), true, 'malformed lists count as empty');
});

test('ports are ignored, and IP literals are denied only when allow_ip_literals is false', () => {
  assert.equal(serverAllowedByAcl('evil.test:8448', { allow: ['*'], deny: ['evil.test'] }), false);
  assert.equal(serverAllowedByAcl('good.test:1234', { allow: ['good.test'] }), true);
  assert.equal(serverAllowedByAcl('127.0.0.1:8448', { allow: ['*'] }), true);
  assert.equal(serverAllowedByAcl('127.0.0.1:8448', { allow: ['*'], allow_ip_literals: false }), false);
  assert.equal(serverAllowedByAcl('[::1]:8448', { allow: ['*'], allow_ip_literals: false }), false);
  assert.equal(serverAllowedByAcl('[::1]', { allow: ['*'], allow_ip_literals: 'no' as never }), true, 'not a boolean: defaults to true');
});
