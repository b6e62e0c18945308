/**
 * Unread notification counts recorded after each committed batch, as /sync will read them: messages count for
 * other members, mentions highlight, the sender's own messages do not count, receipts (and sending) reset, and the
 * user's push rules (a disabled rule, the master rule, a muted room) change what counts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, createUser, startTestHomeserver, type LoggedInUser, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { request } from '../../support/httpClient.ts';
import { createPushRoom, writeReceipt, type PushRoom } from './pushRoom.ts';

const V3 = '/_matrix/client/v3';

interface Setup {
  hs: RunningHomeserver;
  alice: LoggedInUser;
  bob: string;
  carol: string;
  room: PushRoom;
  counts(userId: string, roomId?: string): Promise<{ notification_count: number; highlight_count: number }>;
  putRule(path: string, body: unknown): Promise<void>;
}

/** Bob creates a room (power 100) that Alice ("Alice Wonder") and Carol join: three members. */
async function setup(t: TestContext): Promise<Setup> {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const bob = await createUser(hs, 'bob');
  const carol = await createUser(hs, 'carol');
  const room = await createPushRoom(hs.homeserver, bob, [{ userId: alice.userId, displayName: 'Alice Wonder' }, carol]);
  return {
    hs,
    alice,
    bob,
    carol,
    room,
    counts: (userId, roomId = room.roomId) => hs.homeserver.handlers.notificationCounts.getUnreadCounts(userId, roomId),
    async putRule(path, body) {
      const res = await request(hs.baseUrl, 'PUT', `${V3}/pushrules/global/${path}`, { accessToken: alice.accessToken, body });
      assert.equal(res.status, 200, res.text);
    },
  };
}

const zero = { notification_count: 0, highlight_count: 0 };

test('a message from another member counts for every other local member, never for its sender', async (t) => {
  const { room, alice, bob, carol, counts } = await setup(t);
  assert.deepEqual(await counts(alice.userId), zero, 'joins and room setup do not count');
  await room.say(bob, 'hello everyone', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 0 });
  assert.deepEqual(await counts(carol), { notification_count: 1, highlight_count: 0 });
  assert.deepEqual(await counts(bob), zero);
  await room.say(bob, 'second', { 'm.mentions': {} });
  await room.say(carol, 'third', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 3, highlight_count: 0 });
  assert.deepEqual(await counts(bob), { notification_count: 1, highlight_count: 0 });
  assert.deepEqual(await counts(alice.userId, '!other:hs.test'), zero, 'other rooms are separate');
});

test('mentions highlight: m.mentions.user_ids, @room from a sender with the power, and the legacy body rules', async (t) => {
  const { room, alice, bob, carol, counts } = await setup(t);
  await room.say(bob, 'hey Alice', { 'm.mentions': { user_ids: [alice.userId] } });
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 1 });
  assert.deepEqual(await counts(carol), { notification_count: 1, highlight_count: 0 });

  await room.say(bob, 'everyone!', { 'm.mentions': { room: true } });
  assert.deepEqual(await counts(alice.userId), { notification_count: 2, highlight_count: 2 });
  assert.deepEqual(await counts(carol), { notification_count: 2, highlight_count: 1 });
  // Carol has power 0, below notifications.room (50): her @room is a plain message.
  await room.say(carol, 'everyone!', { 'm.mentions': { room: true } });
  assert.deepEqual(await counts(alice.userId), { notification_count: 3, highlight_count: 2 });

  // Legacy rules for events without m.mentions: display name, localpart, "@room".
  await room.say(carol, 'is Alice Wonder here?');
  assert.deepEqual(await counts(alice.userId), { notification_count: 4, highlight_count: 3 });
  await room.say(carol, 'ping alice');
  assert.deepEqual(await counts(alice.userId), { notification_count: 5, highlight_count: 4 });
  await room.say(bob, '@room meeting now');
  assert.deepEqual(await counts(alice.userId), { notification_count: 6, highlight_count: 5 });
  // Carol's own messages marked the room read for her: only Bob's @room is new.
  assert.deepEqual(await counts(carol), { notification_count: 1, highlight_count: 1 });
  // With m.mentions present the legacy rules are off.
  await room.say(carol, 'Alice Wonder, alice, @room', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 7, highlight_count: 5 });
});

test('a read receipt (m.read or m.read.private, whichever is further) resets the counts; sending does too', async (t) => {
  const { hs, room, alice, bob, counts } = await setup(t);
  const first = await room.say(bob, 'one', { 'm.mentions': { user_ids: [alice.userId] } });
  const second = await room.say(bob, 'two', { 'm.mentions': {} });
  await room.say(bob, 'three', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 3, highlight_count: 1 });

  writeReceipt(hs.homeserver, alice.userId, room.roomId, first.event.eventId, 'm.read');
  assert.deepEqual(await counts(alice.userId), { notification_count: 2, highlight_count: 0 });
  writeReceipt(hs.homeserver, alice.userId, room.roomId, second.event.eventId, 'm.read.private');
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 0 });
  // An older public receipt does not undo the private one.
  writeReceipt(hs.homeserver, alice.userId, room.roomId, first.event.eventId, 'm.read');
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 0 });
  // Receipts of other types and of other users do nothing.
  const latest = await room.say(bob, 'four', { 'm.mentions': {} });
  writeReceipt(hs.homeserver, alice.userId, room.roomId, latest.event.eventId, 'm.fully_read');
  writeReceipt(hs.homeserver, bob, room.roomId, latest.event.eventId, 'm.read');
  assert.deepEqual(await counts(alice.userId), { notification_count: 2, highlight_count: 0 });
  writeReceipt(hs.homeserver, alice.userId, room.roomId, latest.event.eventId, 'm.read');
  assert.deepEqual(await counts(alice.userId), zero);

  // New messages count again, until Alice speaks: sending marks the room read.
  await room.say(bob, 'five', { 'm.mentions': { user_ids: [alice.userId] } });
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 1 });
  await room.say(alice.userId, 'I am here', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), zero);
});

test('threaded receipts clear their own thread; an unthreaded receipt clears everything before it', async (t) => {
  const { hs, room, alice, bob, counts } = await setup(t);
  const root = await room.say(bob, 'root', { 'm.mentions': {} });
  const inThread = await room.say(bob, 'in thread', { 'm.mentions': {}, 'm.relates_to': { rel_type: 'm.thread', event_id: root.event.eventId } });
  const main = await room.say(bob, 'main again', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 3, highlight_count: 0 });
  writeReceipt(hs.homeserver, alice.userId, room.roomId, main.event.eventId, 'm.read', 'main');
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 0 }, 'the thread message stays unread');
  writeReceipt(hs.homeserver, alice.userId, room.roomId, inThread.event.eventId, 'm.read', root.event.eventId);
  assert.deepEqual(await counts(alice.userId), zero);
  const threadReply = await room.say(bob, 'more in thread', { 'm.mentions': {}, 'm.relates_to': { rel_type: 'm.thread', event_id: root.event.eventId } });
  await room.say(bob, 'more main', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 2, highlight_count: 0 });
  writeReceipt(hs.homeserver, alice.userId, room.roomId, threadReply.event.eventId, 'm.read');
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 0 }, 'unthreaded: everything up to the receipt');
});

test('push rules decide: a disabled rule, changed actions, a muted room, the master rule', async (t) => {
  const { room, alice, bob, counts, putRule } = await setup(t);
  await putRule('underride/.m.rule.message/enabled', { enabled: false });
  await room.say(bob, 'plain', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), zero, 'no rule matched');
  await room.say(bob, 'direct', { 'm.mentions': { user_ids: [alice.userId] } });
  assert.deepEqual(await counts(alice.userId), { notification_count: 1, highlight_count: 1 });

  await putRule('underride/.m.rule.message/enabled', { enabled: true });
  await putRule('underride/.m.rule.message/actions', { actions: ['notify', { set_tweak: 'highlight' }] });
  await room.say(bob, 'plain but loud', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 2, highlight_count: 2 });

  await putRule(`room/${encodeURIComponent(room.roomId)}`, { actions: [] });
  await room.say(bob, 'muted room', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 2, highlight_count: 2 }, 'room rules come before underride');
  await room.say(bob, 'mention beats a muted room', { 'm.mentions': { user_ids: [alice.userId] } });
  assert.deepEqual(await counts(alice.userId), { notification_count: 3, highlight_count: 3 }, 'override rules come before room rules');

  await putRule('override/.m.rule.master/enabled', { enabled: true });
  await room.say(bob, 'nothing gets through', { 'm.mentions': { user_ids: [alice.userId], room: true } });
  assert.deepEqual(await counts(alice.userId), { notification_count: 3, highlight_count: 3 });
  await putRule('override/.m.rule.master/enabled', { enabled: false });
  await putRule(`sender/${encodeURIComponent(bob)}`, { actions: ['notify'] });
  await putRule(`room/${encodeURIComponent(room.roomId)}/enabled`, { enabled: false });
  await room.say(bob, 'sender rule', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 4, highlight_count: 3 });
  await putRule('content/tea', { pattern: 'tea', actions: ['notify', { set_tweak: 'highlight' }] });
  await room.say(bob, 'time for TEA', { 'm.mentions': {} });
  assert.deepEqual(await counts(alice.userId), { notification_count: 5, highlight_count: 4 });
});

test('events that do not notify: member events, notices, reactions, edits, state; an invite notifies the invitee', async (t) => {
  const { hs, room, alice, bob, carol, counts } = await setup(t);
  const target = await room.say(carol, 'react to me', { 'm.mentions': {} });
  const base = await counts(alice.userId);
  await room.state(bob, 'm.room.topic', '', { topic: 'a topic for Alice Wonder' });
  await room.say(bob, 'a bot notice', { msgtype: 'm.notice', 'm.mentions': {} });
  await room.send(bob, 'm.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: target.event.eventId, key: '👍' } });
  await room.say(bob, '* edited', { 'm.mentions': {}, 'm.new_content': { msgtype: 'm.text', body: 'edited' }, 'm.relates_to': { rel_type: 'm.replace', event_id: target.event.eventId } });
  const dave = await createUser(hs, 'dave');
  await room.join(dave);
  assert.deepEqual(await counts(alice.userId), base);

  const erin = await createUser(hs, 'erin');
  await room.state(bob, 'm.room.member', erin, { membership: 'invite' });
  assert.deepEqual(await counts(erin), { notification_count: 1, highlight_count: 0 }, '.m.rule.invite_for_me');
  assert.deepEqual(await counts(alice.userId), base, 'others hear nothing of the invite');

  await room.state(bob, 'm.room.tombstone', '', { body: 'moved', replacement_room: '!new:hs.test' });
  assert.deepEqual(await counts(alice.userId), { notification_count: base.notification_count + 1, highlight_count: base.highlight_count + 1 });
});

test('one-to-one rooms: messages and encrypted events notify (with a sound); a redaction removes the count', async (t) => {
  const { hs, alice, bob, counts } = await setup(t);
  const dm = await createPushRoom(hs.homeserver, bob, [alice.userId]);
  await dm.send(bob, 'm.room.encrypted', { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'abc', sender_key: 'k', device_id: 'D', session_id: 's' });
  const msg = await dm.say(bob, 'hi there');
  assert.deepEqual(await counts(alice.userId, dm.roomId), { notification_count: 2, highlight_count: 0 });
  const actions = hs.homeserver.storage.stores.db.prepare('SELECT actions FROM event_push_actions WHERE event_id = ?').pluck().get(msg.event.eventId) as string;
  assert.deepEqual(JSON.parse(actions), ['notify', { set_tweak: 'sound', value: 'default' }]);

  await hs.homeserver.eventCreation.send({ roomId: dm.roomId, sender: bob, type: 'm.room.redaction', content: { redacts: msg.event.eventId } });
  assert.deepEqual(await counts(alice.userId, dm.roomId), { notification_count: 1, highlight_count: 0 });
});

test('counts of a new event are ready as soon as its send returns (same /sync), and users on other servers are skipped', async (t) => {
  const { hs, room, alice, bob, counts } = await setup(t);
  // Not awaiting anything but the send itself and the count.
  const sends = Array.from({ length: 5 }, (_, i) => room.say(bob, `burst ${i}`, { 'm.mentions': {} }));
  await Promise.all(sends);
  assert.deepEqual(await counts(alice.userId), { notification_count: 5, highlight_count: 0 });
  const rows = hs.homeserver.storage.stores.db.prepare('SELECT DISTINCT user_id FROM event_push_actions ORDER BY user_id').pluck().all();
  assert.ok(rows.every((u) => String(u).endsWith(':hs.test')));
});
