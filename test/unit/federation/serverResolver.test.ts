import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerResolver, UnresolvableServerError } from '../../../core/federation/serverResolver.ts';

function resolver(options: { wellKnown?: Record<string, string | null>; srv?: Record<string, { name: string; port: number }[]>; staticMap?: Record<string, string> } = {}) {
  const calls: string[] = [];
  const r = new ServerResolver({
    staticMap: options.staticMap ?? {},
    fetchWellKnown: async (host) => {
      calls.push(`wk:${host}`);
      return options.wellKnown?.[host] ?? null;
    },
    lookupSrv: async (name) => {
      calls.push(`srv:${name}`);
      const records = options.srv?.[name];
      if (!records) throw new Error('ENOTFOUND');
      return records;
    },
  });
  return { r, calls };
}

test('the static map from the config wins', async () => {
  const { r, calls } = resolver({ staticMap: { 'bob.test': 'http://127.0.0.1:18448/' } });
  assert.deepEqual(await r.resolve('bob.test'), { baseUrl: 'http://127.0.0.1:18448', hostHeader: 'bob.test', tlsServerName: '127.0.0.1' });
  assert.deepEqual(calls, []);
});

test('IP literals and explicit ports are used as they are, without discovery', async () => {
  const { r, calls } = resolver();
  assert.deepEqual(await r.resolve('127.0.0.1:19448'), { baseUrl: 'https://127.0.0.1:19448', hostHeader: '127.0.0.1:19448', tlsServerName: '127.0.0.1' });
  assert.deepEqual(await r.resolve('[::1]'), { baseUrl: 'https://[::1]:8448', hostHeader: '[::1]', tlsServerName: '::1' });
  assert.deepEqual(await r.resolve('example.org:443'), { baseUrl: 'https://example.org:443', hostHeader: 'example.org:443', tlsServerName: 'example.org' });
  assert.deepEqual(calls, []);
});

test('.well-known delegation, then SRV (_matrix-fed before _matrix), then port 8448', async () => {
  const { r } = resolver({
    wellKnown: { 'a.org': 'matrix.a.org:8443', 'b.org': 'hs.b.org' },
    srv: { '_matrix-fed._tcp.hs.b.org': [{ name: 'fed.b.org', port: 1234 }], '_matrix._tcp.c.org': [{ name: 'old.c.org', port: 9999 }] },
  });
  assert.deepEqual(await r.resolve('a.org'), { baseUrl: 'https://matrix.a.org:8443', hostHeader: 'matrix.a.org:8443', tlsServerName: 'matrix.a.org' });
  assert.deepEqual(await r.resolve('b.org'), { baseUrl: 'https://fed.b.org:1234', hostHeader: 'hs.b.org', tlsServerName: 'hs.b.org' });
  assert.deepEqual(await r.resolve('c.org'), { baseUrl: 'https://old.c.org:9999', hostHeader: 'c.org', tlsServerName: 'c.org' });
  assert.deepEqual(await r.resolve('d.org'), { baseUrl: 'https://d.org:8448', hostHeader: 'd.org', tlsServerName: 'd.org' });
});

test('.well-known answers are cached; invalid names are refused', async () => {
  const { r, calls } = resolver({ wellKnown: { 'a.org': 'x.a.org:1' } });
  await r.resolve('a.org');
  await r.resolve('a.org');
  assert.equal(calls.filter((c) => c === 'wk:a.org').length, 1);
  await assert.rejects(r.resolve('not a name'), UnresolvableServerError);
});
