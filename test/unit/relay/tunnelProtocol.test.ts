import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTunnelMessage, encodeTunnelMessage, endToEndHeaders, TunnelProtocolError } from '../../../core/relay/tunnelProtocol.ts';
import { ExponentialBackoff } from '../../../core/relay/exponentialBackoff.ts';

test('tunnel messages survive encoding, bodies as raw bytes', () => {
  const body = Buffer.from([0, 255, 10, 13, 123]);
  const request = { type: 'request' as const, id: 7, method: 'PUT', path: '/_matrix/federation/v1/send/1?x=%20', headers: { authorization: 'X-Matrix origin="a"' }, body };
  assert.deepEqual(decodeTunnelMessage(encodeTunnelMessage(request)), request);
  const response = { type: 'response' as const, id: 7, status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') };
  assert.deepEqual(decodeTunnelMessage(encodeTunnelMessage(response)), response);
  assert.deepEqual(decodeTunnelMessage(encodeTunnelMessage({ type: 'mailbox', pending: 3 })), { type: 'mailbox', pending: 3 });
});

test('malformed tunnel messages are refused', () => {
  const frame = (header: unknown) => {
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(json.length);
    return Buffer.concat([length, json]);
  };
  for (const bad of [
    Buffer.from([0, 0]),
    Buffer.from([0, 0, 0, 50, 1]),
    Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from('{x')]),
    frame({ type: 'request', id: 1, method: 'GET', path: 'no-slash', headers: {} }),
    frame({ type: 'request', id: -1, method: 'GET', path: '/', headers: {} }),
    frame({ type: 'request', id: 1, method: 'GET', path: '/', headers: { a: 1 } }),
    frame({ type: 'response', id: 1, status: 42, headers: {} }),
    frame({ type: 'mailbox', pending: -1 }),
    frame({ type: 'hello' }),
  ]) {
    assert.throws(() => decodeTunnelMessage(bad), TunnelProtocolError);
  }
});

test('only end-to-end headers cross the tunnel', () => {
  assert.deepEqual(endToEndHeaders({ Host: 'b.test', Connection: 'keep-alive', 'Content-Length': '12', 'Transfer-Encoding': 'chunked', Authorization: 'X-Matrix a', Vary: ['a', 'b'] }), {
    host: 'b.test',
    authorization: 'X-Matrix a',
    vary: 'a, b',
  });
});

test('the reconnection backoff doubles up to its cap, spreads by the jitter and starts over after a reset', () => {
  const exact = new ExponentialBackoff({ initialMs: 1000, maxMs: 60_000, random: () => 0.5 });
  assert.deepEqual(Array.from({ length: 8 }, () => exact.next()), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  exact.reset();
  assert.equal(exact.next(), 1000);
  const low = new ExponentialBackoff({ initialMs: 1000, maxMs: 60_000, jitter: 0.2, random: () => 0 });
  const high = new ExponentialBackoff({ initialMs: 1000, maxMs: 60_000, jitter: 0.2, random: () => 0.999999 });
  assert.equal(low.next(), 800);
  assert.equal(high.next(), 1200);
});
