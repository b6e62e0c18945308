/**
 * JSON request bodies through the real koa stack on loopback: malformed JSON, wrong types, oversized and
 * chunked bodies, and handler crashes all become Matrix errors, and the server keeps serving.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { createClientApp } from '../../../core/http/clientApp.ts';
import { readJsonObject } from '../../../core/http/jsonBody.ts';
import { silentLogger } from '../../../core/logging/logger.ts';
import { MatrixError } from '../../../core/handlers/matrixError.ts';
import { request } from '../../support/httpClient.ts';

const LIMIT = 2048;

async function startEchoServer(t: TestContext): Promise<string> {
  const router = new Router();
  router.post('/echo', async (ctx) => {
    const body = await readJsonObject(ctx, { maxBytes: LIMIT });
    if ('name' in body && typeof body.name !== 'string') throw MatrixError.badJson('name must be a string');
    ctx.body = { received: body };
  });
  router.get('/crash', () => {
    throw new TypeError('a bug');
  });
  const app = createClientApp({ log: silentLogger, maxRequestBodyBytes: LIMIT, routers: [router] });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a JSON object body is read', async (t) => {
  const base = await startEchoServer(t);
  const res = await request(base, 'POST', '/echo', { body: { name: 'x', n: [1, 2] } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { received: { name: 'x', n: [1, 2] } });
  assert.deepEqual((await request(base, 'POST', '/echo')).body, { received: {} });
});

test('malformed JSON is 400 M_NOT_JSON; non-object JSON and wrong types are 400 M_BAD_JSON', async (t) => {
  const base = await startEchoServer(t);
  for (const raw of ['{"a":', 'not json', '{"a":1}}', "{'a':1}", '\u00ff']) {
    const res = await request(base, 'POST', '/echo', { rawBody: raw });
    assert.equal(res.status, 400, raw);
    assert.equal((res.body as { errcode: string }).errcode, 'M_NOT_JSON', raw);
  }
  const invalidUtf8 = await request(base, 'POST', '/echo', { rawBody: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]) });
  assert.equal((invalidUtf8.body as { errcode: string }).errcode, 'M_NOT_JSON');
  for (const raw of ['[1,2]', '"str"', '5', 'null']) {
    const res = await request(base, 'POST', '/echo', { rawBody: raw });
    assert.equal(res.status, 400, raw);
    assert.equal((res.body as { errcode: string }).errcode, 'M_BAD_JSON', raw);
  }
  const wrongType = await request(base, 'POST', '/echo', { body: { name: 5 } });
  assert.deepEqual([wrongType.status, wrongType.body], [400, { errcode: 'M_BAD_JSON', error: 'name must be a string' }]);
});

test('a chunked body (no Content-Length) over the limit is 413 M_TOO_LARGE', async (t) => {
  const base = await startEchoServer(t);
  const chunks = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(512)));
      controller.close();
    },
  });
  const res = await fetch(base + '/echo', { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
  assert.equal(res.status, 413);
  assert.equal(((await res.json()) as { errcode: string }).errcode, 'M_TOO_LARGE');
  assert.equal((await request(base, 'POST', '/echo', { body: { ok: true } })).status, 200);
});

test('an unexpected exception is a 500 M_UNKNOWN without details, and the server keeps serving', async (t) => {
  const base = await startEchoServer(t);
  const res = await request(base, 'GET', '/crash');
  assert.deepEqual([res.status, res.body], [500, { errcode: 'M_UNKNOWN', error: 'Internal server error' }]);
  assert.equal((await request(base, 'POST', '/echo', { body: {} })).status, 200);
});
