/**
 * A real client end to end (issue 4): two matrix-js-sdk 43 clients log in, create a room, invite and join,
 * exchange 100 messages that arrive through /sync in order, page back with /messages, redact one, change the
 * topic, and leave.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Direction, EventType, MsgType, type MatrixClient } from 'matrix-js-sdk';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { eventually, sdkClientPool, startSyncing } from '../keys/sdkClients.ts';

function timelineBodies(client: MatrixClient, roomId: string): string[] {
  const room = client.getRoom(roomId);
  return (room?.getLiveTimeline().getEvents() ?? []).filter((e) => e.getType() === 'm.room.message').map((e) => String(e.getContent().body));
}

test('two matrix-js-sdk clients chat: invite, join, 100 messages in order, history, redaction, topic, leave', async (t) => {
  const pool = sdkClientPool(t);
  const hs = await startTestHomeserver(t);
  const alice = await pool.create(hs, await createLoggedInUser(hs, 'alice'));
  const bob = await pool.create(hs, await createLoggedInUser(hs, 'bob'));
  await startSyncing(alice);
  await startSyncing(bob);

  const { room_id: roomId } = await alice.createRoom({ name: 'SDK room', invite: ['@bob:hs.test'] });
  await eventually('bob to see the invite', () => bob.getRoom(roomId)?.getMyMembership() === 'invite');
  await bob.joinRoom(roomId);
  await eventually('alice to see bob join', () => alice.getRoom(roomId)?.getMember('@bob:hs.test')?.membership === 'join');

  // A conversation: each message is answered once the other side has received it through its /sync.
  const expected: string[] = [];
  for (let i = 0; i < 100; i++) {
    const [client, other, who] = i % 2 === 0 ? [alice, bob, 'alice'] : [bob, alice, 'bob'];
    const body = `${who} #${i}`;
    expected.push(body);
    await client.sendEvent(roomId, EventType.RoomMessage, { msgtype: MsgType.Text, body });
    await eventually(`${body} to reach the other client`, () => timelineBodies(other, roomId).includes(body));
  }
  for (const client of [alice, bob]) {
    await eventually('all 100 messages in the live timeline', () => timelineBodies(client, roomId).length >= 100);
    assert.deepEqual(timelineBodies(client, roomId).slice(-100), expected, 'in order, once each');
  }

  // History through /messages, as a client that starts late would read it.
  const page = await bob.createMessagesRequest(roomId, null, 30, Direction.Backward);
  const older = await bob.createMessagesRequest(roomId, page.end ?? null, 30, Direction.Backward);
  const paged = [...page.chunk, ...older.chunk].filter((e) => e.type === 'm.room.message').map((e) => String(e.content.body));
  assert.deepEqual(paged, [...expected].reverse().slice(0, paged.length));
  assert.equal(paged.length, 60);

  // Redact one message: both clients see it redacted.
  const target = alice.getRoom(roomId)!.getLiveTimeline().getEvents().find((e) => e.getContent().body === 'alice #10')!;
  await alice.redactEvent(roomId, target.getId()!);
  await eventually('bob to see the redaction', () => bob.getRoom(roomId)?.findEventById(target.getId()!)?.isRedacted() === true);

  // Change the topic.
  await alice.setRoomTopic(roomId, 'A new topic');
  await eventually('bob to see the new topic', () => bob.getRoom(roomId)?.currentState.getStateEvents(EventType.RoomTopic, '')?.getContent().topic === 'A new topic');

  // Leave.
  await bob.leave(roomId);
  await eventually('alice to see bob leave', () => alice.getRoom(roomId)?.getMember('@bob:hs.test')?.membership === 'leave');
});
