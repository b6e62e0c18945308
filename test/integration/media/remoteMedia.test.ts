/**
 * Remote media between two federated servers: a user of one server downloads (and thumbnails) media uploaded on
 * the other through the authenticated client path; the server fetches it once over
 * `GET /_matrix/federation/v1/media/download/{mediaId}` (multipart/mixed, X-Matrix signed) and serves it from its
 * cache afterwards. Thumbnails are asked of the media's server (`/_matrix/federation/v1/media/thumbnail`) and
 * kept; only when it refuses is one made locally from the original. The federation media endpoints refuse unsigned requests and serve only local media.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { startFederatedServers } from '../../support/federatedServers.ts';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { boundaryOf, parseMultipartMedia } from '../../../core/media/multipartMixed.ts';
import { binaryRequest, makeImage, upload } from './mediaTestKit.ts';

test('media uploaded on one server is fetched over federation, cached, and thumbnailed on the other', async (t) => {
  const [one, two] = await startFederatedServers(t, ['one.test', 'two.test']);
  const alice = await createLoggedInUser(one!, 'alice');
  const bob = await createLoggedInUser(two!, 'bob');
  const png = await makeImage(300, 200, 'png');
  const { serverName, mediaId } = await upload(one!.baseUrl, alice.accessToken, png, 'image/png', 'shared.png');
  assert.equal(serverName, 'one.test');

  const remoteUrl = `${two!.baseUrl}/_matrix/client/v1/media/download/one.test/${mediaId}`;
  const fetched = await binaryRequest(remoteUrl, { accessToken: bob.accessToken });
  assert.equal(fetched.status, 200, fetched.bytes.toString());
  assert.deepEqual(fetched.bytes, png);
  assert.equal(fetched.headers.get('content-type'), 'image/png');
  assert.equal(fetched.headers.get('content-disposition'), 'inline; filename="shared.png"');
  const cached = two!.homeserver.storage.stores.db.prepare('SELECT size, content_type, upload_name FROM remote_media WHERE server_name = ? AND media_id = ?').get('one.test', mediaId);
  assert.deepEqual(cached, { size: png.length, content_type: 'image/png', upload_name: 'shared.png' });

  const thumbnail = await binaryRequest(`${two!.baseUrl}/_matrix/client/v1/media/thumbnail/one.test/${mediaId}?width=96&height=96&method=crop`, { accessToken: bob.accessToken });
  assert.equal(thumbnail.status, 200);
  const meta = await sharp(thumbnail.bytes).metadata();
  assert.deepEqual([meta.width, meta.height], [96, 96]);

  // Served from the cache once the origin is gone.
  await one!.homeserver.stop();
  const again = await binaryRequest(`${remoteUrl}?allow_remote=false`, { accessToken: bob.accessToken });
  assert.equal(again.status, 200);
  assert.deepEqual(again.bytes, png);
  // Unknown remote media with the origin unreachable: a clean 502, not a crash.
  const unreachable = await binaryRequest(`${two!.baseUrl}/_matrix/client/v1/media/download/one.test/SomethingElse`, { accessToken: bob.accessToken });
  assert.equal(unreachable.status, 502);
  assert.equal(unreachable.json?.errcode, 'M_UNKNOWN');
});

test('the federation media endpoints: multipart/mixed answers, signed requests only, unknown media 404', async (t) => {
  const [one, two] = await startFederatedServers(t, ['one.test', 'two.test']);
  const alice = await createLoggedInUser(one!, 'alice');
  const { mediaId } = await upload(one!.baseUrl, alice.accessToken, 'hello over federation', 'text/plain', 'note.txt');

  const unsigned = await binaryRequest(`${one!.federationUrl}/_matrix/federation/v1/media/download/${mediaId}`);
  assert.equal(unsigned.status, 401);

  // Through the second server's federation client: signed with its key.
  const client = two!.homeserver.federation!.client;
  const response = await client.requestRaw('one.test', { method: 'GET', path: `/_matrix/federation/v1/media/download/${mediaId}`, accept: 'multipart/mixed' });
  assert.equal(response.status, 200);
  const boundary = boundaryOf(response.headers['content-type'] as string);
  assert.ok(boundary);
  const parsed = parseMultipartMedia(response.body, boundary!);
  assert.deepEqual(parsed.metadata, {});
  assert.equal(parsed.contentType, 'text/plain; charset=utf-8');
  assert.equal(parsed.bytes?.toString(), 'hello over federation');
  assert.equal(parsed.contentDisposition, 'inline; filename="note.txt"');

  const image = await upload(one!.baseUrl, alice.accessToken, await makeImage(200, 200, 'jpeg'), 'image/jpeg');
  const thumb = await client.requestRaw('one.test', { method: 'GET', path: `/_matrix/federation/v1/media/thumbnail/${image.mediaId}`, query: { width: '32', height: '32', method: 'crop' }, accept: 'multipart/mixed' });
  assert.equal(thumb.status, 200);
  const thumbPart = parseMultipartMedia(thumb.body, boundaryOf(thumb.headers['content-type'] as string)!);
  assert.equal(thumbPart.contentType, 'image/jpeg');
  assert.deepEqual([(await sharp(thumbPart.bytes!).metadata()).width, (await sharp(thumbPart.bytes!).metadata()).height], [32, 32]);

  for (const id of ['NoSuchMedia', '..%2F..%2Fhomeserver.db']) {
    const missing = await client.requestRaw('one.test', { method: 'GET', path: `/_matrix/federation/v1/media/download/${id}` });
    assert.equal(missing.status, 404, id);
  }
  // Remote media cached on a server is not served onwards to other servers.
  const bob = await createLoggedInUser(two!, 'bob');
  await binaryRequest(`${two!.baseUrl}/_matrix/client/v1/media/download/one.test/${mediaId}`, { accessToken: bob.accessToken });
  const onwards = await one!.homeserver.federation!.client.requestRaw('two.test', { method: 'GET', path: `/_matrix/federation/v1/media/download/${mediaId}` });
  assert.equal(onwards.status, 404);
});

test('remote thumbnails are made by the media\'s server over federation and kept; the original is not fetched', async (t) => {
  const [one, two] = await startFederatedServers(t, ['one.test', 'two.test']);
  const alice = await createLoggedInUser(one!, 'alice');
  const bob = await createLoggedInUser(two!, 'bob');
  const { mediaId } = await upload(one!.baseUrl, alice.accessToken, await makeImage(640, 480, 'jpeg'), 'image/jpeg', 'photo.jpg');
  const thumbnailUrl = (query: string) => `${two!.baseUrl}/_matrix/client/v1/media/thumbnail/one.test/${mediaId}?${query}`;

  const thumbnail = await binaryRequest(thumbnailUrl('width=90&height=90&method=crop'), { accessToken: bob.accessToken });
  assert.equal(thumbnail.status, 200, thumbnail.bytes.toString());
  assert.equal(thumbnail.headers.get('content-type'), 'image/jpeg');
  const meta = await sharp(thumbnail.bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 96, 96]);
  const thumbnailsOf = (server: typeof one, name: string) =>
    server!.homeserver.storage.stores.db.prepare('SELECT width, height, method, actual_width, actual_height FROM media_thumbnails WHERE server_name = ? AND media_id = ?').all(name, mediaId);
  // Made on the origin (asked at the pre-generated size), kept on the asking server; the original stays there.
  assert.deepEqual(thumbnailsOf(one, 'one.test'), [{ width: 96, height: 96, method: 'crop', actual_width: 96, actual_height: 96 }]);
  assert.deepEqual(thumbnailsOf(two, 'one.test'), [{ width: 96, height: 96, method: 'crop', actual_width: 96, actual_height: 96 }]);
  assert.equal(two!.homeserver.storage.stores.db.prepare('SELECT COUNT(*) FROM remote_media').pluck().get(), 0);

  // Kept: served with the origin gone, also when remote media may not be fetched.
  await one!.homeserver.stop();
  const cached = await binaryRequest(thumbnailUrl('width=96&height=96&method=crop&allow_remote=false'), { accessToken: bob.accessToken });
  assert.equal(cached.status, 200);
  assert.deepEqual(cached.bytes, thumbnail.bytes);
  // Another size, with the origin unreachable and no original here: a clean 502.
  const unreachable = await binaryRequest(thumbnailUrl('width=320&height=240&method=scale'), { accessToken: bob.accessToken });
  assert.equal(unreachable.status, 502);
  assert.equal(unreachable.json?.errcode, 'M_UNKNOWN');
  const notFetched = await binaryRequest(thumbnailUrl('width=320&height=240&method=scale&allow_remote=false'), { accessToken: bob.accessToken });
  assert.equal(notFetched.status, 404);
});

test('when the media\'s server refuses a thumbnail (or sends no image), one is made locally from the fetched original', async (t) => {
  const [one, two] = await startFederatedServers(t, ['one.test', 'two.test']);
  const alice = await createLoggedInUser(one!, 'alice');
  const bob = await createLoggedInUser(two!, 'bob');
  // An older server in front of one.test: it does not know the federation thumbnail endpoint, or answers it badly.
  let thumbnailAnswer: 'unrecognized' | 'not an image' = 'unrecognized';
  const proxy = await startProxy(one!.federationUrl, (req, res) => {
    if (!req.url?.startsWith('/_matrix/federation/v1/media/thumbnail/')) return false;
    if (thumbnailAnswer === 'unrecognized') {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' }));
    } else {
      const body = '--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b\r\nContent-Type: image/png\r\n\r\n<html>not a png</html>\r\n--b--\r\n';
      res.writeHead(200, { 'Content-Type': 'multipart/mixed; boundary=b' }).end(body);
    }
    return true;
  });
  t.after(() => proxy.close());
  two!.homeserver.federation!.resolver.setStatic('one.test', proxy.url);

  for (const answer of ['unrecognized', 'not an image'] as const) {
    thumbnailAnswer = answer;
    const { mediaId } = await upload(one!.baseUrl, alice.accessToken, await makeImage(300, 200, 'png'), 'image/png', 'pic.png');
    const thumbnail = await binaryRequest(`${two!.baseUrl}/_matrix/client/v1/media/thumbnail/one.test/${mediaId}?width=32&height=32&method=crop`, { accessToken: bob.accessToken });
    assert.equal(thumbnail.status, 200, `${answer}: ${thumbnail.bytes.toString()}`);
    assert.equal(thumbnail.headers.get('content-type'), 'image/png', answer);
    const meta = await sharp(thumbnail.bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 32, 32], answer);
    assert.equal(two!.homeserver.storage.stores.db.prepare('SELECT COUNT(*) FROM remote_media WHERE media_id = ?').pluck().get(mediaId), 1, `${answer}: the original was fetched`);
    assert.equal(one!.homeserver.storage.stores.db.prepare('SELECT COUNT(*) FROM media_thumbnails WHERE media_id = ?').pluck().get(mediaId), 0, `${answer}: the origin made none`);
  }
  // Unknown media on the origin: 404 whichever way it is asked.
  const missing = await binaryRequest(`${two!.baseUrl}/_matrix/client/v1/media/thumbnail/one.test/NoSuchMedia?width=32&height=32`, { accessToken: bob.accessToken });
  assert.equal(missing.status, 404);
  assert.equal(missing.json?.errcode, 'M_NOT_FOUND');
});

/** A plain HTTP proxy to `target` on loopback; `intercept` answers some requests itself (returns true when it did). */
async function startProxy(target: string, intercept: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    if (intercept(req, res)) return;
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
