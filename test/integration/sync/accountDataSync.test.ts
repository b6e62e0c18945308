/** Account data (global and per room) and room tags: the endpoints, their errors, and delivery through /sync. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, createRoom, join, sync, twoUsers } from './syncTestKit.ts';

const withoutPushRules = <T extends { type: string }>(events: T[]) => events.filter((e) => e.type !== 'm.push_rules');

test('global account data: set, read, replaced, delivered on initial and incremental syncs, waking a long-poll', { timeout: 25_000 }, async (t) => {
  const { hs, alice } = await twoUsers(t);
  const path = `/user/${encodeURIComponent(alice.userId)}/account_data/org.example.config`;
  assert.equal((await call(hs, alice, 'PUT', path, { body: { theme: 'dark' } })).status, 200);
  assert.deepEqual((await call(hs, alice, 'GET', path)).body, { theme: 'dark' });

  const initial = await sync(hs, alice);
  assert.deepEqual(withoutPushRules(initial.account_data.events), [{ type: 'org.example.config', content: { theme: 'dark' } }]);

  const waiting = sync(hs, alice, { since: initial.next_batch, timeout: 30_000 });
  while (hs.homeserver.notifier.listenerCount < 1) await new Promise((r) => setTimeout(r, 5));
  assert.equal((await call(hs, alice, 'PUT', path, { body: { theme: 'light' } })).status, 200);
  const changed = await waiting;
  assert.deepEqual(changed.account_data.events, [{ type: 'org.example.config', content: { theme: 'light' } }]);
  assert.deepEqual((await sync(hs, alice, { since: changed.next_batch })).account_data.events, []);
  assert.deepEqual((await call(hs, alice, 'GET', path)).body, { theme: 'light' });
});

test('room account data and tags arrive in the room entry; they do not leak into global account data', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const start = await sync(hs, bob);
  const base = `/user/${encodeURIComponent(bob.userId)}/rooms/${encodeURIComponent(roomId)}`;
  assert.equal((await call(hs, bob, 'PUT', `${base}/account_data/org.example.room`, { body: { pinned: true } })).status, 200);
  assert.equal((await call(hs, bob, 'PUT', `${base}/tags/m.favourite`, { body: { order: 0.5 } })).status, 200);
  assert.equal((await call(hs, bob, 'PUT', `${base}/tags/u.work`, { body: {} })).status, 200);
  assert.deepEqual((await call(hs, bob, 'GET', `${base}/tags`)).body, { tags: { 'm.favourite': { order: 0.5 }, 'u.work': {} } });
  assert.deepEqual((await call(hs, bob, 'GET', `${base}/account_data/org.example.room`)).body, { pinned: true });
  // Global and per-room data of one type do not fall back to each other.
  assertError(await call(hs, bob, 'GET', `/user/${encodeURIComponent(bob.userId)}/account_data/org.example.room`), 404, 'M_NOT_FOUND');

  const body = await sync(hs, bob, { since: start.next_batch });
  assert.deepEqual(body.account_data.events, []);
  assert.deepEqual(body.rooms.join[roomId]!.account_data.events, [
    { type: 'org.example.room', content: { pinned: true } },
    { type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.5 }, 'u.work': {} } } },
  ]);
  assert.equal((await call(hs, bob, 'DELETE', `${base}/tags/u.work`)).status, 200);
  const afterDelete = await sync(hs, bob, { since: body.next_batch });
  assert.deepEqual(afterDelete.rooms.join[roomId]!.account_data.events, [{ type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.5 } } } }]);
  const initial = await sync(hs, bob);
  assert.equal(initial.rooms.join[roomId]!.account_data.events.length, 2);
});

test('account data errors: other users, server-managed types, bad bodies and room IDs, unknown types', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const mine = `/user/${encodeURIComponent(alice.userId)}`;
  assertError(await call(hs, bob, 'PUT', `${mine}/account_data/org.example`, { body: {} }), 403, 'M_FORBIDDEN');
  assertError(await call(hs, bob, 'GET', `${mine}/account_data/org.example`), 403, 'M_FORBIDDEN');
  assertError(await call(hs, bob, 'PUT', `${mine}/rooms/${encodeURIComponent('!r:hs.test')}/account_data/org.example`, { body: {} }), 403, 'M_FORBIDDEN');
  assertError(await call(hs, alice, 'GET', `${mine}/account_data/org.example.unset`), 404, 'M_NOT_FOUND');
  assertError(await call(hs, alice, 'PUT', `${mine}/account_data/m.push_rules`, { body: {} }), 405, 'M_BAD_JSON');
  assertError(await call(hs, alice, 'PUT', `${mine}/account_data/m.fully_read`, { body: {} }), 405, 'M_BAD_JSON');
  assertError(await call(hs, alice, 'PUT', `${mine}/account_data/org.example`, { rawBody: '[1]' }), 400, 'M_BAD_JSON');
  assertError(await call(hs, alice, 'PUT', `${mine}/account_data/org.example`, { rawBody: 'nope' }), 400, 'M_NOT_JSON');
  assertError(await call(hs, alice, 'PUT', `${mine}/account_data/org.example`, { rawBody: '' }), 400, 'M_NOT_JSON');
  assertError(await call(hs, alice, 'PUT', `${mine}/rooms/not-a-room/account_data/org.example`, { body: {} }), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, alice, 'GET', `${mine}/rooms/not-a-room/tags`), 400, 'M_INVALID_PARAM');
  assertError(await call(hs, bob, 'GET', `${mine}/rooms/${encodeURIComponent('!r:hs.test')}/tags`), 403, 'M_FORBIDDEN');
  assertError(await call(hs, alice, 'PUT', `${mine}/rooms/${encodeURIComponent('!r:hs.test')}/tags/u.x`, { body: { order: 'first' } }), 400, 'M_BAD_JSON');
  assertError(await call(hs, null, 'GET', `${mine}/account_data/org.example`), 401, 'M_MISSING_TOKEN');
});

test('push rules come as m.push_rules account data: on an initial sync, and when they change (waking a long-poll)', { timeout: 25_000 }, async (t) => {
  const { hs, alice } = await twoUsers(t);
  const initial = await sync(hs, alice);
  const rules = initial.account_data.events.find((e) => e.type === 'm.push_rules');
  assert.ok(rules, 'm.push_rules on the initial sync');
  const global = rules.content.global as { override: { rule_id: string }[] };
  assert.ok(global.override.some((r) => r.rule_id === '.m.rule.master'));
  assert.deepEqual((await sync(hs, alice, { since: initial.next_batch })).account_data.events, []);

  const waiting = sync(hs, alice, { since: initial.next_batch, timeout: 30_000 });
  while (hs.homeserver.notifier.listenerCount < 1) await new Promise((r) => setTimeout(r, 5));
  const put = await call(hs, alice, 'PUT', '/pushrules/global/content/cats', { body: { pattern: 'cat*', actions: ['notify'] } });
  assert.equal(put.status, 200, put.text);
  const changed = await waiting;
  const updated = changed.account_data.events.find((e) => e.type === 'm.push_rules');
  assert.ok((updated?.content.global as { content: { rule_id: string }[] }).content.some((r) => r.rule_id === 'cats'));
  // Readable as account data too, though only the push rules API changes them.
  const read = await call(hs, alice, 'GET', `/user/${encodeURIComponent(alice.userId)}/account_data/m.push_rules`);
  assert.deepEqual(read.body, updated!.content);
  const filtered = await sync(hs, alice, { filter: { account_data: { not_types: ['m.push_rules'] } } });
  assert.deepEqual(withoutPushRules(filtered.account_data.events), filtered.account_data.events);
});
