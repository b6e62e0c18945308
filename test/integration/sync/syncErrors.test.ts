/** Bad input to /sync: tokens, parameters, authentication. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../../support/httpClient.ts';
import { assertError, call, sync, twoUsers } from './syncTestKit.ts';

test('malformed since tokens are 400 M_INVALID_PARAM', async (t) => {
  const { hs, alice } = await twoUsers(t);
  const good = (await sync(hs, alice)).next_batch;
  for (const since of ['abc', 's', 's1', 's1_2_3', `${good}_9`, good.replace(/^s/, 't'), 's1_2_3_4_5_6_7_x', 's-1_0_0_0_0_0_0_0', 's99999999999999999999_0_0_0_0_0_0_0', 't5-3']) {
    assertError(await call(hs, alice, 'GET', `/sync?since=${encodeURIComponent(since)}`), 400, 'M_INVALID_PARAM');
  }
});

test('bad timeout and full_state values are 400 M_INVALID_PARAM; no token is 401', async (t) => {
  const { hs, alice } = await twoUsers(t);
  assertError(await call(hs, alice, 'GET', '/sync?timeout=soon'), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'GET', '/sync?timeout=-5'), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'GET', '/sync?full_state=maybe'), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, null, 'GET', '/sync'), 401, 'M_MISSING_TOKEN');
  assertError(await call(hs, { ...alice, accessToken: 'hth_nope' }, 'GET', '/sync'), 401, 'M_UNKNOWN_TOKEN');
});

test('a token from the future (a restarted in-memory stream) is read as now', async (t) => {
  const { hs, alice } = await twoUsers(t);
  const now = (await sync(hs, alice)).next_batch;
  const parts = now.slice(1).split('_').map(Number);
  parts[3] = parts[3]! + 1000; // typing is kept in memory: its position restarts at 0
  const future = `s${parts.join('_')}`;
  const body = await sync(hs, alice, { since: future, timeout: 0 });
  assert.equal(body.next_batch, now);
});

test('/sync also answers under r0', async (t) => {
  const { hs, alice } = await twoUsers(t);
  const res = await request(hs.baseUrl, 'GET', '/_matrix/client/r0/sync', { accessToken: alice.accessToken });
  assert.equal(res.status, 200);
});
