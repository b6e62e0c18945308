/** Two real homeservers on loopback federate: remote join by alias, messages both ways, invites, leaves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { eventually, startFederatedServers } from '../../support/federatedServers.ts';

test('a user of server B joins a room of server A by alias, and messages flow both ways', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'lobby', name: 'Lobby' });
  await alice.text(roomId, 'before bob');

  assert.equal(await bob.join('#lobby:a.test'), roomId);
  const name = await bob.ok<{ name: string }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.name/`);
  assert.equal(name.name, 'Lobby');
  // A learnt of the join through send_join.
  await eventually(async () => {
    const members = await alice.ok<{ joined: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`);
    return bob.userId in members.joined;
  }, 'A to see bob joined');

  const fromAlice = await alice.text(roomId, 'hello bob');
  await eventually(async () => {
    const page = await bob.messages(roomId, { dir: 'b', limit: 10 });
    return page.chunk.some((e) => e.event_id === fromAlice);
  }, 'B to receive alice’s message');

  const fromBob = await bob.text(roomId, 'hello alice');
  await eventually(async () => {
    const page = await alice.messages(roomId, { dir: 'b', limit: 10 });
    return page.chunk.some((e) => e.event_id === fromBob && e.sender === bob.userId);
  }, 'A to receive bob’s message');

  await bob.leave(roomId);
  await eventually(async () => {
    const members = await alice.ok<{ joined: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`);
    return !(bob.userId in members.joined);
  }, 'A to see bob leave');
});

test('inviting a user of another server, who accepts through the inviting server', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const carol = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'carol'));
  const roomId = await alice.createRoom({ preset: 'private_chat', name: 'Secret' });
  await alice.invite(roomId, carol.userId);
  // B keeps the invite as an out-of-band membership.
  await eventually(() => b!.homeserver.storage.stores.members.getRoomsForLocalUserWhereMembershipIs(carol.userId, ['invite']).length === 1, 'the invite to reach B');
  assert.equal(await carol.join(roomId), roomId);
  await eventually(async () => {
    const members = await alice.ok<{ joined: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`);
    return carol.userId in members.joined;
  }, 'A to see carol joined');
  const hello = await carol.text(roomId, 'thanks for the invite');
  await eventually(async () => (await alice.messages(roomId, { dir: 'b', limit: 5 })).chunk.some((e) => e.event_id === hello), 'A to get carol’s message');
});

test('rejecting an invite from another server goes through that server', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const dave = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'dave'));
  const roomId = await alice.createRoom({ preset: 'private_chat' });
  await alice.invite(roomId, dave.userId);
  await eventually(() => b!.homeserver.storage.stores.members.getRoomsForLocalUserWhereMembershipIs(dave.userId, ['invite']).length === 1, 'the invite');
  await dave.leave(roomId);
  assert.deepEqual(b!.homeserver.storage.stores.members.getRoomsForLocalUserWhereMembershipIs(dave.userId, ['invite']), []);
  await eventually(async () => {
    const member = await alice.call('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(dave.userId)}`);
    return (member.body as { membership?: string }).membership === 'leave';
  }, 'A to see the rejection');
});

test('paging back past the join fetches earlier history from the other server (backfill)', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'history' });
  const sent: string[] = [];
  for (let i = 0; i < 25; i++) sent.push(await alice.text(roomId, `old ${i}`));
  await bob.join('#history:a.test');
  const seen: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await bob.messages(roomId, { dir: 'b', limit: 10, ...(from ? { from } : {}) });
    seen.push(...result.chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content.body as string));
    if (!result.end) break;
    from = result.end;
  }
  for (let i = 0; i < 25; i++) assert.ok(seen.includes(`old ${i}`), `old ${i} was backfilled`);
  // Newest first, without duplicates.
  assert.deepEqual(seen, [...new Set(seen)]);
  assert.equal(seen[0], 'old 24');
});

test('typing notifications and read receipts reach the other server', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'ephemeral' });
  await bob.join('#ephemeral:a.test');
  type Ephemeral = { type: string; content: Record<string, unknown> }[];
  const ephemeralOf = async (client: ClientApi) => {
    const sync = await client.ok<{ rooms?: { join?: Record<string, { ephemeral?: { events: Ephemeral } }> } }>('GET', '/_matrix/client/v3/sync?timeout=0');
    return sync.rooms?.join?.[roomId]?.ephemeral?.events ?? [];
  };
  await bob.ok('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, { typing: true, timeout: 20000 });
  await eventually(async () => (await ephemeralOf(alice)).some((e) => e.type === 'm.typing' && (e.content.user_ids as string[]).includes(bob.userId)), 'bob typing on A');

  const message = await bob.text(roomId, 'read this');
  await eventually(async () => (await alice.messages(roomId, { dir: 'b', limit: 5 })).chunk.some((e) => e.event_id === message), 'the message on A');
  await alice.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(message)}`, {});
  await eventually(async () => {
    const receipt = (await ephemeralOf(bob)).find((e) => e.type === 'm.receipt');
    const users = (receipt?.content[message] as { 'm.read'?: Record<string, unknown> } | undefined)?.['m.read'];
    return users !== undefined && alice.userId in users;
  }, 'alice’s receipt on B');
});

test('presence of users sharing a room crosses servers; spoofed presence is ignored', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'presence' });
  await bob.join('#presence:a.test');
  await eventually(async () => (await a!.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.userId), 'bob joined on A');
  type Presence = { presence: string; status_msg?: string };
  const presenceOf = (client: ClientApi, userId: string) => client.ok<Presence>('GET', `/_matrix/client/v3/presence/${enc(userId)}/status`);

  await alice.ok('PUT', `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: 'at my desk' });
  const seen = await eventually(async () => {
    const p = await presenceOf(bob, alice.userId);
    return p.presence === 'online' ? p : undefined;
  }, 'B to learn alice is online');
  assert.equal(seen.status_msg, 'at my desk');
  const sync = await bob.ok<{ presence?: { events: { sender: string; content: Presence }[] } }>('GET', '/_matrix/client/v3/sync?timeout=0&set_presence=offline');
  assert.ok(sync.presence?.events.some((e) => e.sender === alice.userId && e.content.status_msg === 'at my desk'), 'in bob’s /sync');

  await bob.ok('PUT', `/_matrix/client/v3/presence/${enc(bob.userId)}/status`, { presence: 'unavailable' });
  await eventually(async () => (await presenceOf(alice, bob.userId)).presence === 'unavailable', 'A to learn bob is away');

  // B claiming presence for a user of A, or for a user sharing no room with A's users, changes nothing.
  const push = [
    { user_id: alice.userId, presence: 'offline', last_active_ago: 0 },
    { user_id: '@stranger:b.test', presence: 'online', last_active_ago: 0 },
  ];
  await b!.homeserver.federation!.client.request('a.test', {
    method: 'PUT',
    path: '/_matrix/federation/v1/send/presence-spoof',
    body: { origin: 'b.test', origin_server_ts: Date.now(), pdus: [], edus: [{ edu_type: 'm.presence', content: { push } }] },
  });
  assert.equal((await presenceOf(alice, alice.userId)).presence, 'online');
  assert.equal(a!.homeserver.storage.stores.presence.get('@stranger:b.test'), null);
});

test('a server whose user joins a room learns the presence of the room’s users at once', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  await alice.ok('PUT', `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: 'here before you' });
  await alice.createRoom({ preset: 'public_chat', room_alias_name: 'lounge' });
  await bob.join('#lounge:a.test');
  const seen = await eventually(async () => {
    const p = await bob.ok<{ presence: string; status_msg?: string }>('GET', `/_matrix/client/v3/presence/${enc(alice.userId)}/status`);
    return p.presence === 'online' ? p : undefined;
  }, 'B to learn alice’s presence');
  assert.equal(seen.status_msg, 'here before you');
});

test('profiles of users on another server are fetched over federation', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  await alice.ok('PUT', `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, { displayname: 'Alice of A' });
  assert.deepEqual(await bob.ok('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}`), { displayname: 'Alice of A' });
  assert.deepEqual(await bob.ok('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`), { displayname: 'Alice of A' });
  await bob.fails('GET', `/_matrix/client/v3/profile/${enc('@nobody:a.test')}`, undefined, 404, 'M_NOT_FOUND');
});

test('after joining a room over federation, the next incremental /sync carries the room’s whole state', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const since = (await bob.ok<{ next_batch: string }>('GET', '/_matrix/client/v3/sync?timeout=0')).next_batch;
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'stateful', name: 'Stateful', topic: 'all of it' });
  await bob.join('#stateful:a.test');
  type Sync = { rooms?: { join?: Record<string, { state: { events: { type: string }[] }; timeline: { events: { type: string; state_key?: string }[] } }> } };
  const body = await bob.ok<Sync>('GET', `/_matrix/client/v3/sync?timeout=0&since=${encodeURIComponent(since)}`);
  const room = body.rooms?.join?.[roomId];
  assert.ok(room, 'the room is in join');
  const types = new Set([...room.state.events, ...room.timeline.events].map((e) => e.type));
  for (const type of ['m.room.create', 'm.room.power_levels', 'm.room.join_rules', 'm.room.name', 'm.room.topic', 'm.room.member']) assert.ok(types.has(type), type);
  assert.ok(room.timeline.events.some((e) => e.type === 'm.room.member' && e.state_key === bob.userId), 'bob’s join is in the timeline');
});

test('a typing member who leaves stops typing at once, on both servers, whichever server they are on', async (t) => {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const amy = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'amy'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'leavers' });
  await amy.join(roomId);
  await bob.join('#leavers:a.test');
  await eventually(async () => (await a!.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.userId), 'bob joined on A');
  const typingOn = (server: typeof a) => server!.homeserver.handlers.typing.typingUsers(roomId);
  // Long timeouts: only the leave can end these notifications within the test.
  const type = (client: ClientApi) => client.ok('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(client.userId)}`, { typing: true, timeout: 120_000 });
  await type(bob);
  await type(amy);
  await eventually(() => typingOn(a).length === 2 && typingOn(b).length === 2, 'both typing on both servers');

  // Amy (local to A) leaves: A drops her at once, and so does B when her leave arrives.
  await amy.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
  await eventually(() => !typingOn(a).includes(amy.userId) && !typingOn(b).includes(amy.userId), 'amy no longer typing anywhere');

  // Bob (remote to A) leaves: alice's /sync hears of it as a typing list without him.
  const since = (await alice.ok<{ next_batch: string }>('GET', '/_matrix/client/v3/sync?timeout=0')).next_batch;
  await bob.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
  await eventually(() => !typingOn(a).includes(bob.userId) && !typingOn(b).includes(bob.userId), 'bob no longer typing anywhere');
  const after = await eventually(async () => {
    const sync = await alice.ok<{ rooms?: { join?: Record<string, { ephemeral?: { events: { type: string; content: { user_ids?: string[] } }[] } }> } }>(
      'GET',
      `/_matrix/client/v3/sync?timeout=1000&since=${encodeURIComponent(since)}`,
    );
    return sync.rooms?.join?.[roomId]?.ephemeral?.events.find((e) => e.type === 'm.typing');
  }, 'a typing update for alice');
  assert.deepEqual(after.content.user_ids, []);
});
