/** `GET /.well-known/matrix/support` over real HTTP: the configured contacts and page, or 404 without them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHomeserver } from '../../support/testHomeserver.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';

const PATH = '/.well-known/matrix/support';

function assertSpec(res: TestResponse): void {
  assert.deepEqual(validateResponse('client-server', 'GET', PATH, res.status, res.body), [], `${res.status} ${res.text}`);
}

test('the support document lists the configured contacts and page, without unset fields', async (t) => {
  const hs = await startTestHomeserver(t, {
    support: {
      contacts: [
        { matrix_id: '@admin:elsewhere.test', email_address: 'admin@hs.test', role: 'm.role.admin' },
        { email_address: 'security@hs.test', role: 'm.role.security' },
      ],
      support_page: 'https://hs.test/help',
    },
  });
  const res = await request(hs.baseUrl, 'GET', PATH);
  assert.equal(res.status, 200, res.text);
  assertSpec(res);
  assert.deepEqual(res.body, {
    contacts: [
      { matrix_id: '@admin:elsewhere.test', email_address: 'admin@hs.test', role: 'm.role.admin' },
      { email_address: 'security@hs.test', role: 'm.role.security' },
    ],
    support_page: 'https://hs.test/help',
  });
  // Browsers (web clients) may read it from other origins.
  assert.equal(res.headers.get('access-control-allow-origin'), '*');

  const pageOnly = await startTestHomeserver(t, { support: { support_page: 'https://hs.test/help' } });
  const onlyPage = await request(pageOnly.baseUrl, 'GET', PATH);
  assertSpec(onlyPage);
  assert.deepEqual(onlyPage.body, { support_page: 'https://hs.test/help' });
});

test('without a support section the document is 404 M_NOT_FOUND', async (t) => {
  const hs = await startTestHomeserver(t);
  const res = await request(hs.baseUrl, 'GET', PATH);
  assertSpec(res);
  assert.deepEqual([res.status, (res.body as { errcode: string }).errcode, typeof (res.body as { error: unknown }).error], [404, 'M_NOT_FOUND', 'string']);
});
