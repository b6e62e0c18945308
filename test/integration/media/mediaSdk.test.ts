/**
 * matrix-js-sdk 43 against the media repository: it uploads a real PNG (made with sharp), downloads it through
 * the authenticated v1 path, and gets a 96x96 cropped thumbnail of the right size and type; a JPEG's thumbnail
 * is a JPEG, and the scaled sizes keep the aspect ratio without enlarging.
 */
import '../../support/sdkRuntime.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createClient } from 'matrix-js-sdk';
import { quietSdkLogger } from '../../support/sdkRuntime.ts';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { binaryRequest, makeImage, upload } from './mediaTestKit.ts';

test('matrix-js-sdk uploads an image, downloads it authenticated and gets a 96x96 thumbnail', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const client = createClient({ baseUrl: hs.baseUrl, accessToken: alice.accessToken, userId: alice.userId, deviceId: alice.deviceId, logger: quietSdkLogger() });
  t.after(() => client.stopClient());

  const png = await makeImage(400, 300, 'png');
  const { content_uri: mxc } = await client.uploadContent(png, { type: 'image/png', name: 'gradient.png' });
  assert.match(mxc, /^mxc:\/\/hs\.test\/[A-Za-z0-9_-]+$/);

  const downloadUrl = client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, true, true)!;
  assert.match(downloadUrl, /\/_matrix\/client\/v1\/media\/download\/hs\.test\//);
  const unauthenticated = await binaryRequest(downloadUrl);
  assert.equal(unauthenticated.status, 401);
  const downloaded = await binaryRequest(downloadUrl, { accessToken: alice.accessToken });
  assert.equal(downloaded.status, 200);
  assert.deepEqual(downloaded.bytes, png);
  assert.equal(downloaded.headers.get('content-type'), 'image/png');
  assert.equal(downloaded.headers.get('content-disposition'), 'inline; filename="gradient.png"');
  assert.equal(downloaded.headers.get('x-content-type-options'), 'nosniff');
  assert.match(downloaded.headers.get('content-security-policy') ?? '', /sandbox/);

  const thumbnailUrl = client.mxcUrlToHttp(mxc, 96, 96, 'crop', false, true, true)!;
  const thumbnail = await binaryRequest(thumbnailUrl, { accessToken: alice.accessToken });
  assert.equal(thumbnail.status, 200, thumbnail.bytes.toString());
  assert.equal(thumbnail.headers.get('content-type'), 'image/png');
  const meta = await sharp(thumbnail.bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 96, 96]);
  // Asked again, the stored thumbnail is served (same bytes).
  const again = await binaryRequest(thumbnailUrl, { accessToken: alice.accessToken });
  assert.deepEqual(again.bytes, thumbnail.bytes);

  // A JPEG gives JPEG thumbnails; scaling keeps the aspect ratio and never enlarges.
  const jpeg = await makeImage(1600, 1200, 'jpeg');
  const { mediaId } = await upload(hs.baseUrl, alice.accessToken, jpeg, 'image/jpeg', 'photo.jpg');
  const scaled = await binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/thumbnail/hs.test/${mediaId}?width=640&height=480&method=scale`, { accessToken: alice.accessToken });
  assert.equal(scaled.headers.get('content-type'), 'image/jpeg');
  const scaledMeta = await sharp(scaled.bytes).metadata();
  assert.deepEqual([scaledMeta.format, scaledMeta.width, scaledMeta.height], ['jpeg', 640, 480]);
  const small = await makeImage(100, 50, 'png');
  const smallId = (await upload(hs.baseUrl, alice.accessToken, small, 'image/png')).mediaId;
  const notEnlarged = await binaryRequest(`${hs.baseUrl}/_matrix/media/v3/thumbnail/hs.test/${smallId}?width=800&height=600`);
  const notEnlargedMeta = await sharp(notEnlarged.bytes).metadata();
  assert.deepEqual([notEnlargedMeta.width, notEnlargedMeta.height], [100, 50]);
  // Requests between the pre-generated sizes get the next size up (32x32 crop answers 20x20).
  const tiny = await binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/thumbnail/hs.test/${mediaId}?width=20&height=20&method=crop`, { accessToken: alice.accessToken });
  const tinyMeta = await sharp(tiny.bytes).metadata();
  assert.deepEqual([tinyMeta.width, tinyMeta.height], [32, 32]);
});
