import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { FederationHttpClient, FederationRequestError } from '../../../core/federation/federationHttpClient.ts';
import { ServerResolver } from '../../../core/federation/serverResolver.ts';

function clientTo(url: string, allowInsecureHttp: boolean): FederationHttpClient {
  return new FederationHttpClient({
    serverName: 'a.test',
    signingKey: SigningKey.generate('k1'),
    resolver: new ServerResolver({ staticMap: { 'b.test': url }, fetchWellKnown: async () => null, lookupSrv: async () => [] }),
    verifyCertificates: true,
    allowInsecureHttp,
  });
}

test('plain HTTP goes out only when allow_insecure_http is set', async (t) => {
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ signed: typeof req.headers.authorization === 'string' && req.headers.authorization.startsWith('X-Matrix ') }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await assert.rejects(
    clientTo(url, false).request('b.test', { method: 'GET', path: '/_matrix/federation/v1/version' }),
    (e: unknown) => e instanceof FederationRequestError && /plain HTTP/.test(e.message),
  );
  assert.deepEqual(await clientTo(url, true).request('b.test', { method: 'GET', path: '/_matrix/federation/v1/version' }), { signed: true });
});
