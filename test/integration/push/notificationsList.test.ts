/** `GET /notifications` over real HTTP: newest first, read flags, pagination, only=highlight (spec-validated). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, createUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';
import { createPushRoom, writeReceipt } from './pushRoom.ts';

const V3 = '/_matrix/client/v3';

interface Notification {
  actions: unknown[];
  event: { event_id: string; room_id?: string; content: { body?: string }; sender: string; type: string };
  read: boolean;
  room_id: string;
  ts: number;
}
interface Page {
  notifications: Notification[];
  next_token?: string;
}

function assertSpec(path: string, res: TestResponse) {
  assert.deepEqual(validateResponse('client-server', 'GET', path, res.status, res.body), [], `GET ${path} ${res.status} ${res.text}`);
}

test('lists notifying events newest first with actions, room, read flag and timestamp; pages with next_token', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const bob = await createUser(hs, 'bob');
  const carol = await createUser(hs, 'carol');
  const room = await createPushRoom(hs.homeserver, bob, [alice.userId, carol]);
  const other = await createPushRoom(hs.homeserver, carol, [alice.userId, bob]);
  const get = async (query = '') => {
    const path = `${V3}/notifications${query}`;
    const res = await request(hs.baseUrl, 'GET', path, { accessToken: alice.accessToken });
    assert.equal(res.status, 200, res.text);
    assertSpec(path, res);
    return res.body as Page;
  };
  assert.deepEqual(await get(), { notifications: [] });

  const sent = [];
  sent.push(await room.say(bob, 'one', { 'm.mentions': {} }));
  sent.push(await room.say(bob, 'two, for alice', { 'm.mentions': { user_ids: [alice.userId] } }));
  sent.push(await other.say(carol, 'three', { 'm.mentions': {} }));
  await room.say(alice.userId, 'my own message is not a notification', { 'm.mentions': {} });
  sent.push(await room.say(bob, 'four', { 'm.mentions': {} }));
  await room.say(bob, 'a notice', { msgtype: 'm.notice', 'm.mentions': {} });

  const all = await get();
  assert.equal(all.next_token, undefined, 'no more pages');
  assert.deepEqual(all.notifications.map((n) => n.event.content.body), ['four', 'three', 'two, for alice', 'one']);
  const [four, three, two] = all.notifications;
  assert.deepEqual(four!.actions, ['notify']);
  assert.deepEqual(two!.actions, ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }]);
  assert.equal(three!.room_id, other.roomId);
  assert.equal(four!.room_id, room.roomId);
  assert.equal(four!.event.room_id, undefined, 'the event is in the format without room_id');
  assert.equal(four!.event.event_id, sent[3]!.event.eventId);
  assert.equal(four!.event.sender, bob);
  assert.ok(four!.ts > 0 && four!.ts <= Date.now());
  // Alice's own message marked the room read up to it: one and two are read, four is not; three is in another room.
  assert.deepEqual(all.notifications.map((n) => n.read), [false, false, true, true]);
  writeReceipt(hs.homeserver, alice.userId, other.roomId, sent[2]!.event.eventId, 'm.read.private');
  assert.deepEqual((await get()).notifications.map((n) => n.read), [false, true, true, true]);

  // Pagination: limit, next_token, from.
  const first = await get('?limit=2');
  assert.deepEqual(first.notifications.map((n) => n.event.content.body), ['four', 'three']);
  assert.ok(first.next_token);
  const second = await get(`?limit=2&from=${first.next_token}`);
  assert.deepEqual(second.notifications.map((n) => n.event.content.body), ['two, for alice', 'one']);
  assert.equal(second.next_token, undefined);
  const third = await get(`?limit=3&from=${first.next_token}`);
  assert.equal(third.notifications.length, 2);
  assert.deepEqual(await get('?limit=0'), { notifications: [] });

  // Only highlights.
  const highlights = await get('?only=highlight');
  assert.deepEqual(highlights.notifications.map((n) => n.event.content.body), ['two, for alice']);
  assert.equal((await get('?only=something-else')).notifications.length, 4, 'other values of only are ignored');

  // A redaction removes the notification.
  await hs.homeserver.eventCreation.send({ roomId: room.roomId, sender: bob, type: 'm.room.redaction', content: { redacts: sent[0]!.event.eventId } });
  assert.deepEqual((await get()).notifications.map((n) => n.event.content.body), ['four', 'three', 'two, for alice'], 'a redacted event no longer notifies');
});

test('bad parameters are 400 M_INVALID_PARAM; no token is 401', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  for (const query of ['?from=abc', '?from=1.5', '?limit=x', '?limit=-1']) {
    const res = await request(hs.baseUrl, 'GET', `${V3}/notifications${query}`, { accessToken: alice.accessToken });
    assert.deepEqual([res.status, (res.body as { errcode: string }).errcode], [400, 'M_INVALID_PARAM'], query);
  }
  const anonymous = await request(hs.baseUrl, 'GET', `${V3}/notifications`);
  assert.equal(anonymous.status, 401);
});
