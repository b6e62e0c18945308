import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url, Base64Error } from '../../../core/crypto/base64.ts';
import { loadOrCreateSigningKey, SigningKey, SigningKeyFileError } from '../../../core/crypto/signingKey.ts';
import { checkJsonSignature, signJson, signatureKeyIds } from '../../../core/crypto/jsonSigning.ts';
import { hashPassword, verifyPassword } from '../../../core/crypto/passwordHash.ts';
import { tempDir } from '../../support/tempDir.ts';

test('Base64: padded and unpadded input decode alike; URL-safe uses - and _', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
  assert.equal(encodeBase64(bytes), '+/+/AQ');
  assert.equal(encodeBase64Url(bytes), '-_-_AQ');
  assert.deepEqual(decodeBase64('+/+/AQ=='), bytes);
  assert.deepEqual(decodeBase64('+/+/AQ'), bytes);
  assert.deepEqual(decodeBase64Url('-_-_AQ'), bytes);
  assert.throws(() => decodeBase64('-_-_AQ'), Base64Error);
  assert.throws(() => decodeBase64('abcde'), Base64Error);
  assert.throws(() => decodeBase64Url('a+b/'), Base64Error);
});

test('a signing key is created once (mode 0600) and read back identically', (t) => {
  const path = join(tempDir(t), 'keys', 'signing.key');
  const first = loadOrCreateSigningKey(path);
  assert.match(first.keyId, /^ed25519:a_[A-Za-z0-9]{4}$/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const again = loadOrCreateSigningKey(path);
  assert.equal(again.keyId, first.keyId);
  assert.equal(again.publicKeyBase64, first.publicKeyBase64);
  assert.match(readFileSync(path, 'utf8'), /^ed25519 a_\w{4} [A-Za-z0-9+/]{43}\n$/);
});

test('a corrupt key file is refused clearly instead of silently replaced', (t) => {
  const path = join(tempDir(t), 'signing.key');
  writeFileSync(path, 'rsa 1 abc\n');
  assert.throws(() => loadOrCreateSigningKey(path), SigningKeyFileError);
  writeFileSync(path, '\n');
  assert.throws(() => loadOrCreateSigningKey(path), /empty/);
  assert.throws(() => SigningKey.fromSeed('1', Buffer.alloc(31)), RangeError);
  assert.throws(() => SigningKey.generate('bad version'), RangeError);
});

test('signature checks distinguish missing, malformed and invalid signatures', () => {
  const key = SigningKey.generate('k1');
  const other = SigningKey.generate('k1');
  const signed = signJson({ a: 1, unsigned: { x: 1 } }, 'hs', key);
  assert.deepEqual(signatureKeyIds(signed, 'hs'), ['ed25519:k1']);
  assert.deepEqual(checkJsonSignature(signed, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: true });
  // unsigned is not covered: changing it keeps the signature valid; changing content does not.
  assert.deepEqual(checkJsonSignature({ ...signed, unsigned: { y: 2 } }, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: true });
  assert.deepEqual(checkJsonSignature({ ...signed, a: 2 }, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: false, reason: 'invalid' });
  assert.deepEqual(checkJsonSignature(signed, 'hs', 'ed25519:k1', other.keyPair.publicKey), { ok: false, reason: 'invalid' });
  assert.deepEqual(checkJsonSignature(signed, 'other', 'ed25519:k1', key.keyPair.publicKey), { ok: false, reason: 'missing' });
  assert.deepEqual(checkJsonSignature({ a: 1 }, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: false, reason: 'missing' });
  assert.deepEqual(checkJsonSignature({ a: 1, signatures: { hs: { 'ed25519:k1': '!!' } } }, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: false, reason: 'malformed' });
  assert.deepEqual(checkJsonSignature({ a: 1, signatures: 'x' }, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: false, reason: 'malformed' });
  assert.deepEqual(checkJsonSignature({ a: 1.5, signatures: signed.signatures! }, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: false, reason: 'malformed' });
  // A second signer keeps the first signature.
  const twice = signJson(signed, 'other', other);
  assert.deepEqual(checkJsonSignature(twice, 'hs', 'ed25519:k1', key.keyPair.publicKey), { ok: true });
});

test('passwords hash with a salt and verify; garbage stored hashes do not verify', async () => {
  const cheap = { log2N: 10, r: 8, p: 1 };
  const a = await hashPassword('correct horse', cheap);
  const b = await hashPassword('correct horse', cheap);
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$10\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('wrong horse', a), false);
  assert.equal(await verifyPassword('x', 'bcrypt$2b$...'), false);
  assert.equal(await verifyPassword('x', 'scrypt$99$8$1$AAAA$AAAA'), false);
  assert.equal(await verifyPassword('x', 'scrypt$10$8$1$!!$AAAA'), false);
});
