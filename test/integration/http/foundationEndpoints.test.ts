/**
 * The endpoints of the foundation on a real server over loopback: versions, the signed key document (checked
 * with an independent ed25519 implementation and the spec's reference canonical JSON), well-known, CORS, and
 * Matrix errors for everything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import nacl from 'tweetnacl';
import { startTestHomeserver } from '../../support/testHomeserver.ts';
import { request } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';

type KeyDoc = {
  server_name: string;
  valid_until_ts: number;
  verify_keys: Record<string, { key: string }>;
  signatures: Record<string, Record<string, string>>;
};

/** The spec's reference canonical JSON (appendices), run in Python, not our encoder. */
function pythonCanonicalJson(value: unknown): Buffer {
  const script = 'import json,sys; v=json.load(sys.stdin); sys.stdout.buffer.write(json.dumps(v, ensure_ascii=False, separators=(",",":"), sort_keys=True).encode("utf-8"))';
  return execFileSync('python3', ['-c', script], { input: JSON.stringify(value) });
}

test('GET /_matrix/client/versions advertises v1.1 to v1.12 and matches the spec', async (t) => {
  const { baseUrl } = await startTestHomeserver(t);
  const res = await request(baseUrl, 'GET', '/_matrix/client/versions');
  assert.equal(res.status, 200);
  const versions = (res.body as { versions: string[] }).versions;
  for (let minor = 1; minor <= 12; minor++) assert.ok(versions.includes(`v1.${minor}`), `v1.${minor}`);
  assert.deepEqual(validateResponse('client-server', 'GET', '/_matrix/client/versions', 200, res.body), []);
});

test('the key document is self-signed and verifies with an independent ed25519 check', async (t) => {
  const { baseUrl, homeserver } = await startTestHomeserver(t);
  const res = await request(baseUrl, 'GET', '/_matrix/key/v2/server');
  assert.equal(res.status, 200);
  assert.deepEqual(validateResponse('server-server', 'GET', '/_matrix/key/v2/server', 200, res.body), []);
  const doc = res.body as KeyDoc;
  assert.equal(doc.server_name, 'hs.test');
  assert.ok(doc.valid_until_ts > Date.now() + 60 * 60 * 1000);
  const [keyId, { key }] = Object.entries(doc.verify_keys)[0]!;
  assert.equal(keyId, homeserver.dataDirectory.signingKey.keyId);
  const signature = doc.signatures['hs.test']![keyId]!;
  const { signatures: _s, ...unsignedDoc } = doc;
  const message = pythonCanonicalJson(unsignedDoc);
  assert.ok(nacl.sign.detached.verify(message, Buffer.from(signature, 'base64'), Buffer.from(key, 'base64')));
  // A tampered document does not verify.
  const tampered = pythonCanonicalJson({ ...unsignedDoc, valid_until_ts: doc.valid_until_ts + 1 });
  assert.equal(nacl.sign.detached.verify(tampered, Buffer.from(signature, 'base64'), Buffer.from(key, 'base64')), false);
});

test('/.well-known/matrix/client points at the client base URL', async (t) => {
  const { baseUrl } = await startTestHomeserver(t, { public_baseurl: 'https://matrix.hs.test/' });
  const res = await request(baseUrl, 'GET', '/.well-known/matrix/client');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { 'm.homeserver': { base_url: 'https://matrix.hs.test' } });
  assert.deepEqual(validateResponse('client-server', 'GET', '/.well-known/matrix/client', 200, res.body), []);
});

test('CORS headers on every response, and OPTIONS answered without endpoint logic', async (t) => {
  const { baseUrl } = await startTestHomeserver(t);
  for (const [method, path] of [['GET', '/_matrix/client/versions'], ['GET', '/nope'], ['OPTIONS', '/_matrix/client/v3/anything/at/all']] as const) {
    const res = await request(baseUrl, method, path);
    assert.equal(res.headers.get('access-control-allow-origin'), '*', `${method} ${path}`);
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, PUT, DELETE, OPTIONS');
    assert.equal(res.headers.get('access-control-allow-headers'), 'X-Requested-With, Content-Type, Authorization');
  }
  const preflight = await request(baseUrl, 'OPTIONS', '/_matrix/client/versions');
  assert.equal(preflight.status, 204);
});

test('unknown endpoints are 404 M_UNRECOGNIZED; a known path with the wrong method is 405 M_UNRECOGNIZED', async (t) => {
  const { baseUrl } = await startTestHomeserver(t);
  for (const path of ['/_matrix/client/v3/not_a_thing', '/', '/_matrix/federation/v1/version_nope']) {
    const res = await request(baseUrl, 'GET', path);
    assert.equal(res.status, 404, path);
    assert.deepEqual(res.body, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const res = await request(baseUrl, method, '/_matrix/client/versions', { body: {} });
    assert.equal(res.status, 405, method);
    assert.equal((res.body as { errcode: string }).errcode, 'M_UNRECOGNIZED');
  }
});

test('a declared body over the configured limit is 413 M_TOO_LARGE and the server keeps serving', async (t) => {
  const { baseUrl } = await startTestHomeserver(t, { limits: { max_request_body_bytes: 4096 } });
  const res = await request(baseUrl, 'POST', '/_matrix/client/v3/anything', { rawBody: 'x'.repeat(5000), headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.status, 413);
  assert.equal((res.body as { errcode: string }).errcode, 'M_TOO_LARGE');
  assert.equal((await request(baseUrl, 'GET', '/_matrix/client/versions')).status, 200);
});
