/**
 * The content repository over HTTP (spec-validated where the answer is JSON): /config, asynchronous uploads
 * (/create then PUT, with downloads waiting for them), the upload size limit (413 before the body is read, and
 * for chunked bodies once it passes the limit), sanitised content types and Content-Disposition, and bad input:
 * unknown media, traversal attempts in media IDs, bad thumbnail parameters, missing authentication.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { validateResponse } from '../../support/openApi.ts';
import { binaryRequest, makeImage, upload } from './mediaTestKit.ts';

test('media config is served at both paths; uploads validate against the spec', async (t) => {
  const hs = await startTestHomeserver(t, { limits: { max_upload_bytes: 123_456 } });
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v1/media/config'), { 'm.upload.size': 123_456 });
  assert.deepEqual(await alice.ok('GET', '/_matrix/media/v3/config'), { 'm.upload.size': 123_456 });
  const res = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/upload?filename=a.txt`, { method: 'POST', accessToken: alice.user.accessToken, body: 'hello', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(res.status, 200);
  assert.deepEqual(validateResponse('client-server', 'POST', '/_matrix/media/v3/upload', 200, res.json), []);
  // The legacy download path answers without authentication, the v1 one only with it.
  const mediaId = String((res.json as { content_uri: string }).content_uri).split('/').pop()!;
  const legacy = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/download/hs.test/${mediaId}/named.txt`);
  assert.equal(legacy.status, 200);
  assert.equal(legacy.bytes.toString(), 'hello');
  assert.equal(legacy.headers.get('content-disposition'), 'inline; filename="named.txt"');
  assert.equal((await binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/download/hs.test/${mediaId}`)).status, 401);
  const noAuth = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/upload`, { method: 'POST', body: 'x' });
  assert.equal(noAuth.status, 401);
  assert.equal(noAuth.json?.errcode, 'M_MISSING_TOKEN');
});

test('asynchronous uploads: create, wait, upload once, only by their creator', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = await createLoggedInUser(hs, 'bob');
  const created = await alice.ok<{ content_uri: string; unused_expires_at: number }>('POST', '/_matrix/media/v1/create');
  assert.ok(created.unused_expires_at > Date.now());
  const mediaId = created.content_uri.split('/').pop()!;
  const path = `/_matrix/media/v3/upload/hs.test/${mediaId}`;

  const notYet = await binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/download/hs.test/${mediaId}?timeout_ms=0`, { accessToken: alice.user.accessToken });
  assert.equal(notYet.status, 504);
  assert.equal(notYet.json?.errcode, 'M_NOT_YET_UPLOADED');

  // A download started before the upload waits for it.
  const waiting = binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/download/hs.test/${mediaId}?timeout_ms=10000`, { accessToken: alice.user.accessToken });
  const byBob = await binaryRequest(hs.baseUrl + path, { method: 'PUT', accessToken: bob.accessToken, body: 'nope', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(byBob.status, 403);
  assert.equal(byBob.json?.errcode, 'M_FORBIDDEN');
  const put = await binaryRequest(hs.baseUrl + path, { method: 'PUT', accessToken: alice.user.accessToken, body: 'late bytes', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(put.status, 200);
  assert.deepEqual(validateResponse('client-server', 'PUT', path, 200, put.json), []);
  const waited = await waiting;
  assert.equal(waited.status, 200);
  assert.equal(waited.bytes.toString(), 'late bytes');

  const again = await binaryRequest(hs.baseUrl + path, { method: 'PUT', accessToken: alice.user.accessToken, body: 'again', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(again.status, 409);
  assert.equal(again.json?.errcode, 'M_CANNOT_OVERWRITE_MEDIA');
  const unknown = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/upload/hs.test/NoSuchMedia`, { method: 'PUT', accessToken: alice.user.accessToken, body: 'x' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json?.errcode, 'M_NOT_FOUND');
  const otherServer = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/upload/other.test/${mediaId}`, { method: 'PUT', accessToken: alice.user.accessToken, body: 'x' });
  assert.equal(otherServer.status, 404);

  // At most five pending reservations per user.
  for (let i = 0; i < 5; i++) await alice.ok('POST', '/_matrix/media/v1/create');
  await alice.fails('POST', '/_matrix/media/v1/create', undefined, 429, 'M_LIMIT_EXCEEDED');
});

test('the upload limit: 413 M_TOO_LARGE before buffering, also for chunked bodies; JSON limits do not apply to media', async (t) => {
  const hs = await startTestHomeserver(t, { limits: { max_upload_bytes: 64 * 1024, max_request_body_bytes: 2048 } });
  const alice = await createLoggedInUser(hs, 'alice');
  // Larger than the JSON limit, within the media limit.
  const fine = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/upload`, { method: 'POST', accessToken: alice.accessToken, body: Buffer.alloc(40_000, 7) });
  assert.equal(fine.status, 200);
  const declared = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/upload`, { method: 'POST', accessToken: alice.accessToken, body: Buffer.alloc(100_000, 7) });
  assert.equal(declared.status, 413);
  assert.equal(declared.json?.errcode, 'M_TOO_LARGE');

  // Chunked: no Content-Length, refused once the limit passes.
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(`${hs.baseUrl}/_matrix/media/v3/upload`);
    const req = httpRequest(url, { method: 'POST', headers: { Authorization: `Bearer ${alice.accessToken}`, 'Transfer-Encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < 200_000) {
        sent += 8192;
        if (!req.write(Buffer.alloc(8192, 1))) return req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  assert.equal(chunked.status, 413);
  assert.equal(JSON.parse(chunked.body).errcode, 'M_TOO_LARGE');
  // Nothing of the refused uploads is kept: only the one that succeeded has a row.
  assert.equal(hs.homeserver.storage.stores.db.prepare('SELECT COUNT(*) FROM local_media').pluck().get(), 1);
});

test('content types are sanitised and file names safely encoded', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const download = (mediaId: string, suffix = '') => binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/download/hs.test/${mediaId}${suffix}`, { accessToken: alice.accessToken });

  const html = await upload(hs.baseUrl, alice.accessToken, '<script>alert(1)</script>', 'text/html', 'page".html');
  const served = await download(html.mediaId);
  assert.equal(served.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(served.headers.get('content-disposition'), 'attachment; filename="page\\".html"');
  assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
  assert.match(served.headers.get('content-security-policy') ?? '', /^sandbox;/);

  const svg = await upload(hs.baseUrl, alice.accessToken, '<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml', 'x.svg');
  assert.match((await download(svg.mediaId)).headers.get('content-disposition') ?? '', /^attachment/);

  const unicode = await upload(hs.baseUrl, alice.accessToken, 'text', 'text/plain; charset=ISO-8859-1', 'naïve résumé.txt');
  const unicodeServed = await download(unicode.mediaId);
  assert.equal(unicodeServed.headers.get('content-type'), 'text/plain; charset=iso-8859-1');
  assert.equal(unicodeServed.headers.get('content-disposition'), "inline; filename*=utf-8''na%C3%AFve%20r%C3%A9sum%C3%A9.txt");

  const bogus = await upload(hs.baseUrl, alice.accessToken, 'x', 'not a type; <script>');
  assert.equal((await download(bogus.mediaId)).headers.get('content-type'), 'application/octet-stream');
  // The file name in the path wins over the uploaded one; control characters and slashes are dropped.
  const renamed = await download(unicode.mediaId, `/${encodeURIComponent('other\r\nX-Evil: 1.txt')}`);
  assert.equal(renamed.status, 200);
  assert.equal(renamed.headers.get('x-evil'), null);
  assert.equal(renamed.headers.get('content-disposition'), 'inline; filename="otherX-Evil: 1.txt"');
  // Same bytes, one file: content-addressed storage.
  const first = await upload(hs.baseUrl, alice.accessToken, 'same bytes', 'text/plain');
  const second = await upload(hs.baseUrl, alice.accessToken, 'same bytes', 'text/plain');
  assert.notEqual(first.mediaId, second.mediaId);
  const hashes = hs.homeserver.storage.stores.db.prepare('SELECT DISTINCT sha256 FROM local_media WHERE media_id IN (?, ?)').pluck().all(first.mediaId, second.mediaId);
  assert.equal(hashes.length, 1);
});

test('bad input on media endpoints: unknown media, traversal attempts, bad thumbnail parameters', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const token = alice.user.accessToken;
  const png = await upload(hs.baseUrl, token, await makeImage(64, 64, 'png'), 'image/png');
  const text = await upload(hs.baseUrl, token, 'plain', 'text/plain');
  const get = (path: string) => binaryRequest(hs.baseUrl + path, { accessToken: token });
  const expectError = async (path: string, status: number, errcode: string) => {
    const res = await get(path);
    assert.equal(res.status, status, `${path}: ${res.bytes.toString()}`);
    assert.equal(res.json?.errcode, errcode, path);
    assert.equal(typeof res.json?.error, 'string');
  };
  await expectError('/_matrix/client/v1/media/download/hs.test/NoSuchMedia', 404, 'M_NOT_FOUND');
  await expectError('/_matrix/media/v3/download/hs.test/NoSuchMedia', 404, 'M_NOT_FOUND');
  // Traversal attempts never reach a file: IDs are [A-Za-z0-9_-] only (dot segments the URL parser resolves
  // first end up at no route at all).
  for (const traversal of ['..%2F..%2Fhomeserver.db', '..', '%2E%2E', 'a%2Fb', '..%5C..%5Csigning.key', 'tmp%00', '..%252F..%252Fhomeserver.db']) {
    for (const path of [`/_matrix/client/v1/media/download/hs.test/${traversal}`, `/_matrix/media/v3/thumbnail/hs.test/${traversal}?width=32&height=32`]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.ok(res.json?.errcode === 'M_NOT_FOUND' || res.json?.errcode === 'M_UNRECOGNIZED', path);
    }
  }
  const traversalServer = await get(`/_matrix/client/v1/media/download/..%2F..%2Fetc/${png.mediaId}`);
  assert.equal(traversalServer.status, 404);
  await expectError(`/_matrix/client/v1/media/thumbnail/hs.test/${png.mediaId}`, 400, 'M_MISSING_PARAM');
  await expectError(`/_matrix/client/v1/media/thumbnail/hs.test/${png.mediaId}?width=abc&height=10`, 400, 'M_INVALID_PARAM');
  await expectError(`/_matrix/client/v1/media/thumbnail/hs.test/${png.mediaId}?width=-5&height=10`, 400, 'M_INVALID_PARAM');
  await expectError(`/_matrix/client/v1/media/thumbnail/hs.test/${png.mediaId}?width=10&height=10&method=stretch`, 400, 'M_INVALID_PARAM');
  await expectError(`/_matrix/client/v1/media/thumbnail/hs.test/${text.mediaId}?width=10&height=10`, 400, 'M_UNKNOWN');
  await expectError(`/_matrix/client/v1/media/download/hs.test/${png.mediaId}?allow_remote=maybe`, 400, 'M_INVALID_PARAM');
  // Remote media is not fetched without federation, nor when allow_remote=false.
  await expectError(`/_matrix/client/v1/media/download/elsewhere.test/${png.mediaId}?allow_remote=false`, 404, 'M_NOT_FOUND');
  const noAuth = await binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/thumbnail/hs.test/${png.mediaId}?width=32&height=32`);
  assert.equal(noAuth.status, 401);
  // A corrupt "image" is refused cleanly, not a crash.
  const corrupt = await upload(hs.baseUrl, token, Buffer.from('\x89PNG\r\n\x1a\nnot really'), 'image/png');
  await expectError(`/_matrix/client/v1/media/thumbnail/hs.test/${corrupt.mediaId}?width=32&height=32`, 400, 'M_UNKNOWN');
});
