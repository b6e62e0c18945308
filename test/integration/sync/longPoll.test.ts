/**
 * Long-polling /sync: woken by news, not by news for others; a timeout answers an empty but valid response;
 * a client going away or the server stopping ends the wait. No wall-clock assertions: a sync that was not woken
 * would answer empty after its timeout, which the assertions tell apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningHomeserver } from '../../support/testHomeserver.ts';
import { request } from '../../support/httpClient.ts';
import { CLIENT, assertSpec, bodies, createRoom, invite, join, message, sync, syncPath, twoUsers } from './syncTestKit.ts';

/** Resolves once the server holds `count` waiting listeners (the long-poll has reached its wait). */
async function waitForListeners(hs: RunningHomeserver, count = 1): Promise<void> {
  while (hs.homeserver.notifier.listenerCount < count) await new Promise((r) => setTimeout(r, 5));
}

test('a long-poll is woken by a message sent while it waits', { timeout: 25_000 }, async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const first = await sync(hs, bob);

  const waiting = sync(hs, bob, { since: first.next_batch, timeout: 30_000 });
  await waitForListeners(hs);
  await message(hs, roomId, alice.userId, 'wake up');
  const body = await waiting;
  assert.deepEqual(bodies(body.rooms.join[roomId]!.timeline.events), ['wake up']);
  assert.equal(hs.homeserver.notifier.listenerCount, 0, 'the waiter stopped listening');
});

test('a long-poll is woken by an invite to a room the user is not in', { timeout: 25_000 }, async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  const first = await sync(hs, bob);
  const waiting = sync(hs, bob, { since: first.next_batch, timeout: 30_000 });
  await waitForListeners(hs);
  await invite(hs, roomId, alice.userId, bob.userId);
  const body = await waiting;
  assert.ok(body.rooms.invite[roomId], 'the invite arrived');
});

test('a timeout with nothing new answers an empty response with an unchanged next_batch', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId);
  await join(hs, roomId, bob.userId);
  const first = await sync(hs, bob);
  const body = await sync(hs, bob, { since: first.next_batch, timeout: 200 });
  assert.equal(body.next_batch, first.next_batch);
  assert.deepEqual(body.rooms, { join: {}, invite: {}, leave: {}, knock: {} });
  assert.deepEqual(body.account_data.events, []);
  assert.deepEqual(body.presence.events, []);
});

test('news in a room the user is not in does not end the wait', async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const aliceRoom = await createRoom(hs, alice.userId);
  const first = await sync(hs, bob);
  const waiting = sync(hs, bob, { since: first.next_batch, timeout: 1_000 });
  await waitForListeners(hs);
  await message(hs, aliceRoom, alice.userId, 'not for bob');
  const body = await waiting;
  assert.deepEqual(body.rooms.join, {});
  // The events stream moved on, so the token may too; it stays a valid since.
  const next = await sync(hs, bob, { since: body.next_batch });
  assert.deepEqual(next.rooms.join, {});
});

test('a client that goes away stops its wait', { timeout: 25_000 }, async (t) => {
  const { hs, bob } = await twoUsers(t);
  const first = await sync(hs, bob);
  const controller = new AbortController();
  const pending = fetch(`${hs.baseUrl}${CLIENT}${syncPath({ since: first.next_batch, timeout: 60_000 })}`, {
    headers: { Authorization: `Bearer ${bob.accessToken}` },
    signal: controller.signal,
  }).catch((e: unknown) => e);
  await waitForListeners(hs);
  controller.abort();
  await pending;
  while (hs.homeserver.notifier.listenerCount > 0) await new Promise((r) => setTimeout(r, 5));
});

test('stopping the server answers waiting long-polls at once', { timeout: 25_000 }, async (t) => {
  const { hs, bob } = await twoUsers(t);
  const first = await sync(hs, bob);
  const path = `${CLIENT}${syncPath({ since: first.next_batch, timeout: 60_000 })}`;
  const waiting = request(hs.baseUrl, 'GET', path, { accessToken: bob.accessToken });
  await waitForListeners(hs);
  await hs.homeserver.stop();
  const res = await waiting;
  assert.equal(res.status, 200, res.text);
  assertSpec('GET', path, res);
  assert.equal((res.body as { next_batch: string }).next_batch, first.next_batch);
});
