/**
 * Knocking (`POST /knock/{roomIdOrAlias}`, room versions 7+): on a room of this server, and on a room of another
 * server through make_knock / send_knock, where the knock is kept with the room's stripped state and shows under
 * `rooms.knock` in /sync. The room lets the knocker in by inviting them; a knock can be rescinded by leaving;
 * rooms that do not take knocks refuse them clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { eventually, startFederatedServers } from '../../support/federatedServers.ts';

type KnockSync = { rooms?: { knock?: Record<string, { knock_state: { events: { type: string; state_key: string; content: Record<string, unknown> }[] } }> } };

async function membershipOn(api: ClientApi, roomId: string, userId: string): Promise<string | undefined> {
  const res = await api.call('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`);
  return res.status === 200 ? (res.body as { membership: string }).membership : undefined;
}

test('knocking on a room of this server: allowed only where the join rule says knock; the knocker is then invited and joins', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const knockRoom = await alice.createRoom({ name: 'Knock knock', initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'knock' } }] });
  const publicRoom = await alice.createRoom({ preset: 'public_chat' });
  const oldRoom = await alice.createRoom({ room_version: '6', initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'knock' } }] });

  await bob.fails('POST', `/_matrix/client/v3/knock/${enc(publicRoom)}`, {}, 403, 'M_FORBIDDEN');
  await bob.fails('POST', `/_matrix/client/v3/knock/${enc(oldRoom)}`, {}, 403, 'M_FORBIDDEN');
  await bob.fails('POST', `/_matrix/client/v3/knock/${enc('!nowhere:hs.test')}`, {}, 404, 'M_NOT_FOUND');
  await bob.fails('POST', `/_matrix/client/v3/knock/${enc('not a room')}`, {}, 400, 'M_INVALID_PARAM');
  await bob.fails('POST', `/_matrix/client/v3/knock/${enc('#missing:hs.test')}`, {}, 404, 'M_NOT_FOUND');

  assert.deepEqual(await bob.ok('POST', `/_matrix/client/v3/knock/${enc(knockRoom)}`, { reason: 'let me in' }), { room_id: knockRoom });
  assert.equal(await membershipOn(alice, knockRoom, bob.userId), 'knock');
  const sync = await bob.ok<KnockSync>('GET', '/_matrix/client/v3/sync?timeout=0');
  const knockState = sync.rooms?.knock?.[knockRoom]?.knock_state.events ?? [];
  assert.ok(knockState.some((e) => e.type === 'm.room.name' && e.content.name === 'Knock knock'));
  assert.ok(knockState.some((e) => e.type === 'm.room.member' && e.state_key === bob.userId && e.content.membership === 'knock'));

  await alice.fails('POST', `/_matrix/client/v3/knock/${enc(knockRoom)}`, {}, 403, 'M_FORBIDDEN');
  await alice.invite(knockRoom, bob.userId);
  assert.equal(await bob.join(knockRoom), knockRoom);
  assert.equal(await membershipOn(alice, knockRoom, bob.userId), 'join');
});

test('knocking on a room of another server; rescinding; knocking again and being let in', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({
    name: 'Members only',
    room_alias_name: 'club',
    initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'knock' } }],
  });
  const publicRoom = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'open' });

  // Joining is not allowed; a knock on a public room is refused by its server.
  await bob.fails('POST', `/_matrix/client/v3/join/${enc('#club:a.test')}`, {}, 403, 'M_FORBIDDEN');
  await bob.fails('POST', `/_matrix/client/v3/knock/${enc('#open:a.test')}`, {}, 403, 'M_FORBIDDEN');
  assert.equal(await membershipOn(alice, publicRoom, bob.userId), undefined);

  assert.deepEqual(await bob.ok('POST', `/_matrix/client/v3/knock/${enc('#club:a.test')}`, { reason: 'hello' }), { room_id: roomId });
  await eventually(async () => (await membershipOn(alice, roomId, bob.userId)) === 'knock', 'A to see the knock');
  const sync = await bob.ok<KnockSync>('GET', '/_matrix/client/v3/sync?timeout=0');
  const knockState = sync.rooms?.knock?.[roomId]?.knock_state.events ?? [];
  assert.ok(knockState.some((e) => e.type === 'm.room.name' && e.content.name === 'Members only'), 'the room’s name came with the knock');
  assert.ok(knockState.some((e) => e.type === 'm.room.member' && e.state_key === bob.userId && e.content.membership === 'knock'));

  // Rescinding: a leave through A.
  await bob.leave(roomId);
  await eventually(async () => (await membershipOn(alice, roomId, bob.userId)) === 'leave', 'A to see the knock rescinded');
  assert.deepEqual(b!.homeserver.storage.stores.members.getRoomsForLocalUserWhereMembershipIs(bob.userId, ['knock']), []);

  // Knocking again; alice lets bob in.
  await bob.ok('POST', `/_matrix/client/v3/knock/${enc(roomId)}?via=a.test`, {});
  await eventually(async () => (await membershipOn(alice, roomId, bob.userId)) === 'knock', 'A to see the second knock');
  await alice.invite(roomId, bob.userId);
  await eventually(() => b!.homeserver.storage.stores.members.getRoomsForLocalUserWhereMembershipIs(bob.userId, ['invite']).length === 1, 'the invite on B');
  assert.equal(await bob.join(roomId), roomId);
  await eventually(async () => (await membershipOn(alice, roomId, bob.userId)) === 'join', 'A to see bob join');
  const hello = await bob.text(roomId, 'thanks for letting me in');
  await eventually(async () => (await alice.messages(roomId, { dir: 'b', limit: 5 })).chunk.some((e) => e.event_id === hello), 'A to get bob’s message');
});
