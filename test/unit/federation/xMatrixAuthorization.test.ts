import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { parseXMatrixAuthorization, verifyXMatrixSignature, xMatrixAuthorization, XMatrixHeaderError } from '../../../core/federation/xMatrixAuthorization.ts';

const key = SigningKey.generate('k1');
const request = { method: 'PUT', uri: '/_matrix/federation/v1/send/123?x=1', origin: 'a.test', destination: 'b.test', content: { pdus: [], edus: [] } };

test('a signed request verifies; any change to method, uri, destination or content does not', () => {
  const header = xMatrixAuthorization(request, key);
  assert.match(header, /^X-Matrix origin="a\.test",destination="b\.test",key="ed25519:k1",sig="[A-Za-z0-9+/]+"$/);
  const credentials = parseXMatrixAuthorization(header);
  assert.equal(verifyXMatrixSignature(request, credentials, key.keyPair.publicKey), true);
  for (const changed of [
    { ...request, method: 'POST' },
    { ...request, uri: '/_matrix/federation/v1/send/124?x=1' },
    { ...request, destination: 'c.test' },
    { ...request, content: { pdus: [1], edus: [] } },
  ]) {
    assert.equal(verifyXMatrixSignature(changed, credentials, key.keyPair.publicKey), false);
  }
  const noBody = { method: 'GET', uri: '/_matrix/federation/v1/version', origin: 'a.test', destination: 'b.test' };
  assert.equal(verifyXMatrixSignature(noBody, parseXMatrixAuthorization(xMatrixAuthorization(noBody, key)), key.keyPair.publicKey), true);
});

test('header parsing follows RFC 9110 auth-params and the compatibility rules', () => {
  const parsed = parseXMatrixAuthorization('X-Matrix   ORIGIN=old.example:8448 , Key="ed25519:a b" ,sig="a\\"b\\\\c",destination="d.test",extra=1');
  assert.deepEqual(parsed, { origin: 'old.example:8448', destination: 'd.test', key: 'ed25519:a b', sig: 'a"b\\c' });
  assert.equal(parseXMatrixAuthorization('X-Matrix origin=o,key=ed25519:1,sig=s').destination, null);
  for (const bad of ['Bearer abc', 'X-Matrix origin="o",key="k"', 'X-Matrix origin="o,key="k",sig="s"', 'X-Matrix nothing']) {
    assert.throws(() => parseXMatrixAuthorization(bad), XMatrixHeaderError, bad);
  }
});
