/**
 * `/preview_url`: off by default (a clear 403); when on, private and loopback addresses are refused, also when a
 * host name resolves to one (checked after DNS resolution) and after a redirect; with an allowlisted range (as a
 * LAN would configure) a page's OpenGraph data comes back with its image stored as media.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { binaryRequest, makeImage } from './mediaTestKit.ts';

async function startSite(t: TestContext, image: Buffer): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/page') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<html><head><title>Fallback</title><meta property="og:title" content="A &amp; B"><meta name="description" content="About things">
        <meta property="og:image" content="/image.png"></head><body>hi</body></html>`);
    } else if (req.url === '/image.png') {
      res.setHeader('Content-Type', 'image/png');
      res.end(image);
    } else if (req.url === '/redirect') {
      res.statusCode = 302;
      res.setHeader('Location', 'http://169.254.169.254/latest/meta-data');
      res.end();
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

test('preview_url is disabled by default with a clear error', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const res = await alice.fails('GET', '/_matrix/client/v1/media/preview_url?url=https%3A%2F%2Fexample.org', undefined, 403, 'M_FORBIDDEN');
  assert.match((res.body as { error: string }).error, /disabled/);
  await alice.fails('GET', '/_matrix/media/v3/preview_url?url=https%3A%2F%2Fexample.org', undefined, 403, 'M_FORBIDDEN');
});

test('preview_url never fetches loopback or private addresses, even by name or through a redirect', async (t) => {
  const site = await startSite(t, await makeImage(10, 10, 'png'));
  const port = new URL(site.url).port;
  const hs = await startTestHomeserver(t, { media: { url_preview_enabled: true } });
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const preview = (url: string) => `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(url)}`;
  for (const url of [`${site.url}/page`, `http://localhost:${port}/page`, `http://[::1]:${port}/page`, `http://[::ffff:127.0.0.1]:${port}/page`, 'http://10.0.0.1/', 'http://169.254.169.254/']) {
    const res = await alice.fails('GET', preview(url), undefined, 403, 'M_FORBIDDEN');
    assert.match((res.body as { error: string }).error, /may not be fetched/, url);
  }
  assert.deepEqual(site.hits, [], 'nothing reached the local site');
  await alice.fails('GET', preview('file:///etc/passwd'), undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', preview('not a url'), undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', '/_matrix/client/v1/media/preview_url', undefined, 400, 'M_MISSING_PARAM');
});

test('preview_url with an allowlisted range returns OpenGraph data and stores the image', async (t) => {
  const image = await makeImage(40, 30, 'png');
  const site = await startSite(t, image);
  const hs = await startTestHomeserver(t, { media: { url_preview_enabled: true, url_preview_ip_allowlist: ['127.0.0.1/32'] } });
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const og = await alice.ok<Record<string, unknown>>('GET', `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(`${site.url}/page`)}`);
  assert.equal(og['og:title'], 'A & B');
  assert.equal(og['og:description'], 'About things');
  assert.equal(og['matrix:image:size'], image.length);
  assert.equal(og['og:image:width'], 40);
  assert.equal(og['og:image:height'], 30);
  const mxc = String(og['og:image']);
  assert.match(mxc, /^mxc:\/\/hs\.test\//);
  const stored = await binaryRequest(`${hs.baseUrl}/_matrix/client/v1/media/download/hs.test/${mxc.split('/').pop()}`, { accessToken: alice.user.accessToken });
  assert.deepEqual(stored.bytes, image);
  // A redirect to a forbidden address is refused even though the first hop was allowed.
  await alice.fails('GET', `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(`${site.url}/redirect`)}`, undefined, 403, 'M_FORBIDDEN');
});
