/**
 * Real clients on real federating servers:
 * - matrix-js-sdk users on two servers: messages, typing, read receipts and state changes flow both ways and show
 *   in each side's synced client; the remote user leaves and joins again, and messages flow once more;
 * - three servers in one room: every server gets every message, concurrent state changes from two servers
 *   resolve to the same state everywhere, and a server whose users left stops receiving the room's events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MsgType, type MatrixClient } from 'matrix-js-sdk';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { startFederatedServers, type FederatedServer } from '../../support/federatedServers.ts';
import { eventually, sdkClientPool, startSyncing } from '../keys/sdkClients.ts';

function bodyOf(client: MatrixClient, roomId: string, eventId: string): string | undefined {
  return client.getRoom(roomId)?.findEventById(eventId)?.getContent().body as string | undefined;
}

test('matrix-js-sdk users on two servers: messages, typing, receipts and state both ways; leaving and joining again', { timeout: 120_000 }, async (t) => {
  const clients = sdkClientPool(t);
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = await createLoggedInUser(a!, 'alice');
  const bob = await createLoggedInUser(b!, 'bob');
  const aliceClient = await clients.create(a!, alice);
  const bobClient = await clients.create(b!, bob);
  await startSyncing(aliceClient);
  await startSyncing(bobClient);

  const { room_id: roomId } = await aliceClient.createRoom({ preset: 'public_chat' as never, name: 'Across', invite: [bob.userId] });
  await eventually('bob’s client sees the invite', () => bobClient.getRoom(roomId)?.getMyMembership() === 'invite');
  await bobClient.joinRoom(roomId);
  await eventually('alice’s client sees bob join', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.membership === 'join');
  assert.equal(bobClient.getRoom(roomId)?.name, 'Across', 'bob’s client has the room’s state');

  // Messages both ways.
  const { event_id: hello } = await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'hello B' });
  assert.equal(await eventually('bob’s client gets alice’s message', () => bodyOf(bobClient, roomId, hello)), 'hello B');
  const { event_id: reply } = await bobClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'hello A' });
  assert.equal(await eventually('alice’s client gets bob’s message', () => bodyOf(aliceClient, roomId, reply)), 'hello A');

  // Typing and read receipts.
  await bobClient.sendTyping(roomId, true, 20_000);
  await eventually('alice’s client shows bob typing', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.typing === true);
  await bobClient.sendTyping(roomId, false, 0);
  await eventually('alice’s client shows bob stopped typing', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.typing === false);
  const replyEvent = aliceClient.getRoom(roomId)!.findEventById(reply)!;
  await aliceClient.sendReadReceipt(replyEvent);
  await eventually('bob’s client has alice’s receipt', () => bobClient.getRoom(roomId)?.getUsersReadUpTo(bobClient.getRoom(roomId)!.findEventById(reply)!).includes(alice.userId));

  // State both ways: alice raises bob's power (A → B), bob renames the room (B → A).
  await aliceClient.setPowerLevel(roomId, bob.userId, 50);
  await eventually('bob’s client sees his new power', () => bobClient.getRoom(roomId)?.getMember(bob.userId)?.powerLevel === 50);
  await bobClient.setRoomName(roomId, 'Renamed on B');
  await eventually('alice’s client sees the new name', () => aliceClient.getRoom(roomId)?.name === 'Renamed on B');

  // Bob leaves, then joins again (the room is public), and messages flow again.
  await bobClient.leave(roomId);
  await eventually('alice’s client sees bob leave', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.membership === 'leave');
  const { event_id: whileAway } = await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'while you were away' });
  await bobClient.joinRoom(roomId);
  await eventually('alice’s client sees bob back', () => aliceClient.getRoom(roomId)?.getMember(bob.userId)?.membership === 'join');
  const { event_id: back } = await bobClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'back again' });
  assert.equal(await eventually('alice’s client gets bob’s message after the rejoin', () => bodyOf(aliceClient, roomId, back)), 'back again');
  const { event_id: welcome } = await aliceClient.sendMessage(roomId, { msgtype: MsgType.Text, body: 'welcome back' });
  assert.equal(await eventually('bob’s client gets alice’s message after the rejoin', () => bodyOf(bobClient, roomId, welcome)), 'welcome back');
  // What was said while bob was away reached B too (with the rejoin, or by paging back).
  const away = await eventually('B to hold the message sent while bob was away', async () => {
    const page = await new ClientApi(b!.baseUrl, bob).messages(roomId, { dir: 'b', limit: 20 });
    return page.chunk.find((e) => e.event_id === whileAway);
  });
  assert.equal((away.content as { body?: string }).body, 'while you were away');
});

async function joinedMembers(server: FederatedServer, roomId: string): Promise<string[]> {
  return (await server.homeserver.storage.stores.members.getUsersInRoom(roomId)).slice().sort();
}

test('three servers in one room: every server gets every message, concurrent state resolves the same everywhere, a departed server stops receiving', { timeout: 120_000 }, async (t) => {
  const [a, b, c] = await startFederatedServers(t, ['a.test', 'b.test', 'c.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const carol = new ClientApi(c!.baseUrl, await createLoggedInUser(c!, 'carol'));
  const servers = [a!, b!, c!];
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'trio', power_level_content_override: { users: { [alice.userId]: 100, '@bob:b.test': 50, '@carol:c.test': 50 } } });
  await bob.join('#trio:a.test');
  await carol.join('#trio:a.test');
  const everyone = [alice.userId, bob.userId, carol.userId].sort();
  for (const server of servers) await eventually(`${server.serverName} to see all three joined`, async () => (await joinedMembers(server, roomId)).join() === everyone.join());

  // Each user speaks; each server ends up with all three messages (C's reaches B directly, not through A).
  const sent = [await alice.text(roomId, 'from A'), await bob.text(roomId, 'from B'), await carol.text(roomId, 'from C')];
  for (const [server, user] of [
    [a!, alice],
    [b!, bob],
    [c!, carol],
  ] as const) {
    await eventually(`${server.serverName} to hold all three messages`, async () => {
      const ids = new Set((await user.messages(roomId, { dir: 'b', limit: 30 })).chunk.map((e) => e.event_id));
      return sent.every((id) => ids.has(id));
    });
  }

  // B and C change the topic at the same time: a fork that every server resolves identically.
  const topics = await Promise.all([bob.setState(roomId, 'm.room.topic', '', { topic: 'topic of B' }), carol.setState(roomId, 'm.room.topic', '', { topic: 'topic of C' })]);
  // Alice's next message merges the fork once A holds both branches (until then it would follow one of them).
  await eventually('A to hold both topics', async () => (await Promise.all(topics.map((id) => a!.homeserver.storage.stores.events.getEvent(id)))).every((e) => e !== null));
  await alice.text(roomId, 'after the fork');
  const topicOn = async (user: ClientApi) => (await user.ok<{ topic: string }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.topic/`)).topic;
  const settled = await eventually('the three servers to agree on the topic', async () => {
    const topics = await Promise.all([topicOn(alice), topicOn(bob), topicOn(carol)]);
    const forwardExtremities = servers.map((s) => s.homeserver.storage.stores.db.prepare('SELECT COUNT(*) FROM event_forward_extremities WHERE room_id = ?').pluck().get(roomId));
    return new Set(topics).size === 1 && forwardExtremities.every((n) => n === 1) ? topics[0] : undefined;
  });
  assert.ok(['topic of B', 'topic of C'].includes(settled));
  const stateOf = async (user: ClientApi) =>
    (await user.ok<{ type: string; state_key: string; event_id: string }[]>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state`)).map((e) => `${e.type}|${e.state_key}|${e.event_id}`).sort();
  const [stateA, stateB, stateC] = await Promise.all([stateOf(alice), stateOf(bob), stateOf(carol)]);
  assert.deepEqual(stateB, stateA, 'B’s state is A’s');
  assert.deepEqual(stateC, stateA, 'C’s state is A’s');

  // Carol leaves: A and B see it, and C no longer receives the room's new events.
  await carol.leave(roomId);
  for (const server of [a!, b!]) await eventually(`${server.serverName} to see carol leave`, async () => !(await joinedMembers(server, roomId)).includes(carol.userId));
  const afterLeave = await bob.text(roomId, 'carol is gone');
  await eventually('A to get B’s message', async () => (await alice.messages(roomId, { dir: 'b', limit: 5 })).chunk.some((e) => e.event_id === afterLeave));
  assert.equal(await c!.homeserver.storage.stores.events.getEvent(afterLeave), null, 'C never got it');
  assert.equal(
    b!.homeserver.federation!.sender.queueStatus().find((q) => q.destination === 'c.test')?.pending ?? 0,
    0,
    'nothing waits for C either',
  );
});
