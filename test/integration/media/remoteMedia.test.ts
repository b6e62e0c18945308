/**
 * Remote media between two federated servers: a user of one server downloads (and thumbnails) media uploaded on
 * the other through the authenticated client path; the server fetches it once over
 * `GET /_matrix/federation/v1/media/download/{mediaId}` (multipart/mixed, X-Matrix signed) and serves it from its
 * cache afterwards. The federation media endpoints refuse unsigned requests and serve only local media.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
