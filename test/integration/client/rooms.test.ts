/** Rooms over real HTTP: creation, membership, state, sending, redaction, reading (spec-validated). */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';

async function users(t: TestContext, ...names: string[]): Promise<{ hs: RunningHomeserver; clients: ClientApi[] }> {
  const hs = await startTestHomeserver(t);
  const clients: ClientApi[] = [];
  for (const name of names) clients.push(new ClientApi(hs.baseUrl, await createLoggedInUser(hs, name)));
  return { hs, clients };
}

type StateEvent = { type: string; state_key: string; content: Record<string, unknown>; sender: string; event_id: string };

test('createRoom: private_chat preset, name, topic, initial_state, invites, power level override, room version', async (t) => {
  const { clients: [alice, bob] } = await users(t, 'alice', 'bob');
  const roomId = await alice!.createRoom({
    name: 'Team',
    topic: 'Plans',
    preset: 'private_chat',
    invite: [bob!.userId],
    is_direct: true,
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
    power_level_content_override: { events_default: 10 },
    room_version: '10',
  });
  assert.match(roomId, /^![A-Za-z]+:hs\.test$/);
  const state = await alice!.ok<StateEvent[]>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state`);
  const of = (type: string, key = '') => state.find((e) => e.type === type && e.state_key === key)?.content;
  assert.deepEqual(of('m.room.create'), { creator: alice!.userId, room_version: '10' });
  assert.equal(of('m.room.join_rules')?.join_rule, 'invite');
  assert.equal(of('m.room.history_visibility')?.history_visibility, 'shared');
  assert.equal(of('m.room.guest_access')?.guest_access, 'can_join');
  assert.equal(of('m.room.name')?.name, 'Team');
  assert.equal(of('m.room.topic')?.topic, 'Plans');
  assert.equal(of('m.room.encryption')?.algorithm, 'm.megolm.v1.aes-sha2');
  assert.equal(of('m.room.power_levels')?.events_default, 10);
  assert.deepEqual(of('m.room.power_levels')?.users, { [alice!.userId]: 100 });
  assert.equal(of('m.room.member', bob!.userId)?.membership, 'invite');
  assert.equal(of('m.room.member', bob!.userId)?.is_direct, true);
  // One event per state key, created in the spec's order: the create event first, the invite last.
  const name = await alice!.ok<{ name: string }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.name/`);
  assert.deepEqual(name, { name: 'Team' });
  // `format=event` (spec v1.16) returns the whole event; this spec checkout predates it, so it is not validated.
  const asEvent = await alice!.call('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.name/?format=event`, undefined, { validate: false });
  assert.equal((asEvent.body as StateEvent).type, 'm.room.name');

  // v11 rooms have no creator in the create event.
  const v11 = await alice!.createRoom({ preset: 'public_chat' });
  const create = await alice!.ok<Record<string, unknown>>('GET', `/_matrix/client/v3/rooms/${enc(v11)}/state/m.room.create/`);
  assert.deepEqual(create, { room_version: '11' });
  const pl = await alice!.ok<Record<string, number>>('GET', `/_matrix/client/v3/rooms/${enc(v11)}/state/m.room.power_levels/`);
  assert.equal(pl.invite, 50, 'public rooms: inviting takes a moderator');
});

test('createRoom refuses bad input with clear errors', async (t) => {
  const { clients: [alice] } = await users(t, 'alice');
  const create = (body: unknown, status: number, errcode: string) => alice!.fails('POST', '/_matrix/client/v3/createRoom', body, status, errcode);
  await create({ room_version: '99' }, 400, 'M_UNSUPPORTED_ROOM_VERSION');
  await create({ preset: 'everyone_welcome' }, 400, 'M_BAD_JSON');
  await create({ name: 5 }, 400, 'M_BAD_JSON');
  await create({ invite: 'bob' }, 400, 'M_BAD_JSON');
  await create({ invite: ['not-a-user'] }, 400, 'M_BAD_JSON');
  await create({ initial_state: [{ type: 'm.room.topic' }] }, 400, 'M_BAD_JSON');
  await create({ room_alias_name: 'has space' }, 400, 'M_INVALID_PARAM');
  await create({ invite_3pid: [{ medium: 'email', address: 'a@b.c', id_server: 'x' }] }, 400, 'M_UNKNOWN');
  await create({ visibility: 'secret' }, 400, 'M_BAD_JSON');
  await alice!.createRoom({ room_alias_name: 'taken' });
  await create({ room_alias_name: 'taken' }, 400, 'M_ROOM_IN_USE');
  const anonymous = await alice!.call('POST', '/_matrix/client/v3/createRoom', {}, { noAuth: true });
  assert.equal(anonymous.status, 401);
});

test('join by ID and by alias, invite-only rooms, leave, forget, and joined_rooms', async (t) => {
  const { clients: [alice, bob, carol] } = await users(t, 'alice', 'bob', 'carol');
  const publicRoom = await alice!.createRoom({ preset: 'public_chat', room_alias_name: 'lobby' });
  assert.equal(await bob!.join('#lobby:hs.test'), publicRoom);
  assert.equal(await carol!.join(publicRoom), publicRoom);
  const joined = await alice!.ok<{ joined: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${enc(publicRoom)}/joined_members`);
  assert.deepEqual(Object.keys(joined.joined).sort(), [alice!.userId, bob!.userId, carol!.userId].sort());
  assert.deepEqual((await bob!.ok<{ joined_rooms: string[] }>('GET', '/_matrix/client/v3/joined_rooms')).joined_rooms, [publicRoom]);

  const privateRoom = await alice!.createRoom({ preset: 'private_chat' });
  await bob!.fails('POST', `/_matrix/client/v3/join/${enc(privateRoom)}`, {}, 403, 'M_FORBIDDEN');
  await alice!.invite(privateRoom, bob!.userId);
  await bob!.join(privateRoom);
  await bob!.leave(privateRoom);
  await bob!.fails('POST', `/_matrix/client/v3/rooms/${enc(privateRoom)}/leave`, {}, 403, 'M_FORBIDDEN');
  await bob!.ok('POST', `/_matrix/client/v3/rooms/${enc(privateRoom)}/forget`, {});
  await alice!.fails('POST', `/_matrix/client/v3/rooms/${enc(publicRoom)}/forget`, {}, 400, 'M_UNKNOWN');

  await bob!.fails('POST', `/_matrix/client/v3/join/${enc('#nowhere:hs.test')}`, {}, 404, 'M_NOT_FOUND');
  await bob!.fails('POST', `/_matrix/client/v3/join/${enc('!unknown:hs.test')}`, {}, 404, 'M_NOT_FOUND');
  await bob!.fails('POST', `/_matrix/client/v3/join/not-a-room`, {}, 400, 'M_INVALID_PARAM');
  await alice!.fails('POST', `/_matrix/client/v3/rooms/${enc(publicRoom)}/invite`, { user_id: '@ghost:hs.test' }, 404, 'M_NOT_FOUND');
  await alice!.fails('POST', `/_matrix/client/v3/rooms/${enc(publicRoom)}/invite`, {}, 400, 'M_MISSING_PARAM');
  // A user of a server that cannot be reached: federation fails with a clear 502.
  await alice!.fails('POST', `/_matrix/client/v3/rooms/${enc(publicRoom)}/invite`, { user_id: '@remote:unreachable.invalid' }, 502, 'M_UNKNOWN');
});

test('kick, ban and unban follow power levels', async (t) => {
  const { clients: [alice, bob, carol] } = await users(t, 'alice', 'bob', 'carol');
  const roomId = await alice!.createRoom({ preset: 'public_chat' });
  await bob!.join(roomId);
  await carol!.join(roomId);
  await bob!.fails('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/kick`, { user_id: carol!.userId }, 403, 'M_FORBIDDEN');
  await alice!.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/kick`, { user_id: carol!.userId, reason: 'bye' });
  const kicked = await alice!.ok<Record<string, unknown>>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(carol!.userId)}`);
  assert.deepEqual(kicked, { membership: 'leave', reason: 'bye' });
  await alice!.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/ban`, { user_id: bob!.userId });
  await bob!.fails('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {}, 403, 'M_FORBIDDEN');
  await alice!.fails('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/unban`, { user_id: carol!.userId }, 403, 'M_FORBIDDEN');
  await alice!.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/unban`, { user_id: bob!.userId });
  await bob!.join(roomId);
  await alice!.fails('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/kick`, { user_id: '@nobody:hs.test' }, 403, 'M_FORBIDDEN');
  await alice!.fails('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/ban`, {}, 400, 'M_MISSING_PARAM');
});

test('PUT /send is idempotent per device and transaction ID; state sends and reads', async (t) => {
  const { clients: [alice, bob] } = await users(t, 'alice', 'bob');
  const roomId = await alice!.createRoom({ preset: 'public_chat' });
  const first = await alice!.send(roomId, { msgtype: 'm.text', body: 'once' }, 'm.room.message', 'txn-1');
  const again = await alice!.send(roomId, { msgtype: 'm.text', body: 'once' }, 'm.room.message', 'txn-1');
  assert.equal(again, first);
  const other = await alice!.send(roomId, { msgtype: 'm.text', body: 'twice' }, 'm.room.message', 'txn-2');
  assert.notEqual(other, first);
  const event = await alice!.ok<{ event_id: string; unsigned: { transaction_id?: string } }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(first)}`);
  assert.equal(event.unsigned.transaction_id, 'txn-1');

  await alice!.setState(roomId, 'm.room.topic', '', { topic: 'one' });
  const topicId = await alice!.setState(roomId, 'm.room.topic', '', { topic: 'two' });
  const topic = await alice!.ok<{ unsigned: { prev_content?: Record<string, unknown> } }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(topicId)}`);
  assert.deepEqual(topic.unsigned.prev_content, { topic: 'one' });
  assert.equal(await alice!.setState(roomId, 'm.room.topic', '', { topic: 'two' }), topicId, 'identical state is not sent again');
  await bob!.fails('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/x`, { body: 'not joined' }, 403, 'M_FORBIDDEN');
  await bob!.join(roomId);
  await bob!.fails('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.topic/`, { topic: 'mine' }, 403, 'M_FORBIDDEN');
  await bob!.fails('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(alice!.userId)}`, { membership: 'leave' }, 403, 'M_FORBIDDEN');
  const notJson = await alice!.call('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/y`, [1, 2]);
  assert.deepEqual([notJson.status, (notJson.body as { errcode: string }).errcode], [400, 'M_BAD_JSON']);
  await alice!.fails('PUT', `/_matrix/client/v3/rooms/${enc('!nope:hs.test')}/send/m.room.message/z`, { body: 'x' }, 403, 'M_FORBIDDEN');
  await alice!.fails('PUT', `/_matrix/client/v3/rooms/not-a-room/send/m.room.message/z`, { body: 'x' }, 400, 'M_INVALID_PARAM');
});

test('redaction (room v11): content.redacts is set and served in both places; power rules apply (SEED-BEHAVIOURS.md §5)', async (t) => {
  const { hs, clients: [alice, bob] } = await users(t, 'alice', 'bob');
  for (const version of ['11', '10']) {
    const roomId = await alice!.createRoom({ preset: 'public_chat', room_version: version });
    await bob!.join(roomId);
    const target = await bob!.text(roomId, 'secret');
    const own = await alice!.text(roomId, 'mine');
    // Bob may not redact Alice's event (no redact level); Alice (100) may redact Bob's.
    await bob!.fails('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(own)}/r1`, {}, 403, 'M_FORBIDDEN');
    await alice!.fails('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(target)}/r2`, { redacts: '$other' }, 400, 'M_INVALID_PARAM');
    const redactionId = (await alice!.ok<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(target)}/r3`, { reason: 'spam' })).event_id;
    const redaction = await bob!.ok<{ redacts: string; content: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(redactionId)}`);
    assert.equal(redaction.redacts, target, `v${version}: top-level redacts`);
    assert.equal(redaction.content.redacts, target, `v${version}: content.redacts`);
    assert.equal(redaction.content.reason, 'spam');
    const stored = (await hs.homeserver.storage.stores.events.getEvent(redactionId))!.event;
    if (version === '11') assert.equal(stored.pdu.redacts, undefined, 'v11 stores redacts only in content');
    else assert.equal(stored.pdu.redacts, target, 'v10 stores redacts at top level');
    const redacted = await bob!.ok<{ content: Record<string, unknown>; unsigned: { redacted_because?: { event_id: string } } }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(target)}`);
    assert.deepEqual(redacted.content, {});
    assert.equal(redacted.unsigned.redacted_because?.event_id, redactionId);
    // Redacting your own event needs no power.
    await bob!.ok('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(await bob!.text(roomId, 'oops'))}/r4`, {});
    // The redaction endpoint is the only way to send redactions.
    await alice!.fails('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.redaction/r5`, { redacts: own }, 403, 'M_FORBIDDEN');
  }
});

test('GET event, state and members are limited to what the user may see', async (t) => {
  const { clients: [alice, bob, eve] } = await users(t, 'alice', 'bob', 'eve');
  const roomId = await alice!.createRoom({ preset: 'public_chat', name: 'Visible' });
  await bob!.join(roomId);
  const before = await alice!.text(roomId, 'while bob is here');
  await bob!.leave(roomId);
  const after = await alice!.text(roomId, 'after bob left');
  await alice!.setState(roomId, 'm.room.name', '', { name: 'Renamed' });

  await bob!.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(before)}`);
  await bob!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(after)}`, undefined, 404, 'M_NOT_FOUND');
  // A former member sees the state as it was when they left.
  assert.deepEqual(await bob!.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.name/`), { name: 'Visible' });
  await eve!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state`, undefined, 403, 'M_FORBIDDEN');
  await eve!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(before)}`, undefined, 403, 'M_FORBIDDEN');
  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc('$missing')}`, undefined, 404, 'M_NOT_FOUND');
  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.tombstone/`, undefined, 404, 'M_NOT_FOUND');

  const members = await alice!.ok<{ chunk: StateEvent[] }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/members`);
  assert.deepEqual(members.chunk.map((m) => [m.state_key, m.content.membership]).sort(), [[alice!.userId, 'join'], [bob!.userId, 'leave']].sort());
  const onlyJoined = await alice!.ok<{ chunk: StateEvent[] }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/members?membership=join`);
  assert.deepEqual(onlyJoined.chunk.map((m) => m.state_key), [alice!.userId]);
  const notJoined = await alice!.ok<{ chunk: StateEvent[] }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/members?not_membership=join`);
  assert.deepEqual(notJoined.chunk.map((m) => m.state_key), [bob!.userId]);
  await bob!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`, undefined, 403, 'M_FORBIDDEN');
});

test('history visibility "joined" hides earlier messages from a new member; world_readable lets anyone read', async (t) => {
  const { clients: [alice, bob, eve] } = await users(t, 'alice', 'bob', 'eve');
  const roomId = await alice!.createRoom({ preset: 'public_chat' });
  await alice!.setState(roomId, 'm.room.history_visibility', '', { history_visibility: 'joined' });
  const early = await alice!.text(roomId, 'before bob');
  await bob!.join(roomId);
  const late = await alice!.text(roomId, 'after bob');
  const page = await bob!.messages(roomId, { dir: 'b', limit: 50 });
  const ids = page.chunk.map((e) => e.event_id);
  assert.ok(ids.includes(late) && !ids.includes(early));
  await bob!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(early)}`, undefined, 404, 'M_NOT_FOUND');

  await alice!.setState(roomId, 'm.room.history_visibility', '', { history_visibility: 'world_readable' });
  const open = await alice!.text(roomId, 'anyone can read this');
  const peek = await eve!.messages(roomId, { dir: 'b', limit: 50 });
  assert.ok(peek.chunk.some((e) => e.event_id === open));
  assert.ok(!peek.chunk.some((e) => e.event_id === early));
});

test('/messages pages backwards and forwards with from, to and limit; /context surrounds an event', async (t) => {
  const { clients: [alice] } = await users(t, 'alice');
  const roomId = await alice!.createRoom({ preset: 'private_chat' });
  const sent: string[] = [];
  for (let i = 0; i < 12; i++) sent.push(await alice!.text(roomId, `m${i}`));
  const messagesOnly = (chunk: { type: string; content: Record<string, unknown> }[]) => chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content.body);

  const first = await alice!.messages(roomId, { dir: 'b', limit: 5 });
  assert.deepEqual(messagesOnly(first.chunk), ['m11', 'm10', 'm9', 'm8', 'm7']);
  assert.ok(first.end);
  const second = await alice!.messages(roomId, { dir: 'b', limit: 5, from: first.end! });
  assert.deepEqual(messagesOnly(second.chunk), ['m6', 'm5', 'm4', 'm3', 'm2']);
  const rest = await alice!.messages(roomId, { dir: 'b', limit: 100, from: second.end! });
  assert.deepEqual(messagesOnly(rest.chunk), ['m1', 'm0']);
  assert.equal(rest.end, undefined, 'no end token at the start of the room');
  assert.equal(rest.chunk.at(-1)?.type, 'm.room.create');

  const forward = await alice!.messages(roomId, { dir: 'f', limit: 3, from: second.end! });
  assert.deepEqual(messagesOnly(forward.chunk), ['m2', 'm3', 'm4']);
  const bounded = await alice!.messages(roomId, { dir: 'b', limit: 50, from: first.end!, to: second.end! });
  assert.deepEqual(messagesOnly(bounded.chunk), ['m6', 'm5', 'm4', 'm3', 'm2']);

  const context = await alice!.ok<{ event: { event_id: string }; events_before: { content: { body: string } }[]; events_after: { content: { body: string } }[]; start: string; end: string; state: unknown[] }>(
    'GET',
    `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(sent[5]!)}?limit=4`,
  );
  assert.equal(context.event.event_id, sent[5]);
  assert.deepEqual(context.events_before.map((e) => e.content.body), ['m4', 'm3']);
  assert.deepEqual(context.events_after.map((e) => e.content.body), ['m6', 'm7']);
  assert.ok(context.state.length >= 5);
  const continued = await alice!.messages(roomId, { dir: 'b', limit: 2, from: context.start });
  assert.deepEqual(messagesOnly(continued.chunk), ['m2', 'm1']);
  const onwards = await alice!.messages(roomId, { dir: 'f', limit: 2, from: context.end });
  assert.deepEqual(messagesOnly(onwards.chunk), ['m8', 'm9']);

  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=sideways`, undefined, 400, 'M_INVALID_PARAM');
  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&from=garbage`, undefined, 400, 'M_INVALID_PARAM');
  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=x`, undefined, 400, 'M_INVALID_PARAM');
  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&filter=%7Bbad`, undefined, 400, 'M_INVALID_PARAM');
  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc('$nope')}`, undefined, 404, 'M_NOT_FOUND');
});

test('profiles: set display name and avatar, reflected into member events of joined rooms', async (t) => {
  const { clients: [alice, bob] } = await users(t, 'alice', 'bob');
  const roomId = await alice!.createRoom({ preset: 'public_chat' });
  await bob!.join(roomId);
  await alice!.ok('PUT', `/_matrix/client/v3/profile/${enc(alice!.userId)}/displayname`, { displayname: 'Alice A.' });
  await alice!.ok('PUT', `/_matrix/client/v3/profile/${enc(alice!.userId)}/avatar_url`, { avatar_url: 'mxc://hs.test/abc' });
  assert.deepEqual(await bob!.ok('GET', `/_matrix/client/v3/profile/${enc(alice!.userId)}`), { displayname: 'Alice A.', avatar_url: 'mxc://hs.test/abc' });
  assert.deepEqual(await bob!.ok('GET', `/_matrix/client/v3/profile/${enc(alice!.userId)}/displayname`), { displayname: 'Alice A.' });
  const member = await bob!.ok<Record<string, unknown>>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(alice!.userId)}`);
  assert.deepEqual(member, { membership: 'join', displayname: 'Alice A.', avatar_url: 'mxc://hs.test/abc' });
  const joined = await bob!.ok<{ joined: Record<string, { display_name?: string }> }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`);
  assert.equal(joined.joined[alice!.userId]?.display_name, 'Alice A.');
  await bob!.fails('PUT', `/_matrix/client/v3/profile/${enc(alice!.userId)}/displayname`, { displayname: 'Hacked' }, 403, 'M_FORBIDDEN');
  await alice!.fails('PUT', `/_matrix/client/v3/profile/${enc(alice!.userId)}/displayname`, { displayname: 5 }, 400, 'M_BAD_JSON');
  await alice!.fails('PUT', `/_matrix/client/v3/profile/${enc(alice!.userId)}/avatar_url`, { avatar_url: 'https://x' }, 400, 'M_BAD_JSON');
  await alice!.fails('PUT', `/_matrix/client/v3/profile/${enc(alice!.userId)}/displayname`, {}, 400, 'M_MISSING_PARAM');
  await alice!.fails('GET', `/_matrix/client/v3/profile/${enc('@nobody:hs.test')}`, undefined, 404, 'M_NOT_FOUND');
});

test('aliases and the public room directory', async (t) => {
  const { clients: [alice, bob] } = await users(t, 'alice', 'bob');
  const roomId = await alice!.createRoom({ preset: 'public_chat', name: 'Gardening', topic: 'Tomatoes', visibility: 'public' });
  await alice!.ok('PUT', `/_matrix/client/v3/directory/room/${enc('#garden:hs.test')}`, { room_id: roomId });
  assert.deepEqual(await bob!.ok('GET', `/_matrix/client/v3/directory/room/${enc('#garden:hs.test')}`), { room_id: roomId, servers: ['hs.test'] });
  assert.deepEqual(await alice!.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/aliases`), { aliases: ['#garden:hs.test'] });
  await alice!.fails('PUT', `/_matrix/client/v3/directory/room/${enc('#garden:hs.test')}`, { room_id: roomId }, 409, 'M_UNKNOWN');
  await alice!.fails('PUT', `/_matrix/client/v3/directory/room/${enc('#garden:other.test')}`, { room_id: roomId }, 400, 'M_INVALID_PARAM');
  await bob!.fails('DELETE', `/_matrix/client/v3/directory/room/${enc('#garden:hs.test')}`, undefined, 403, 'M_FORBIDDEN');
  await bob!.fails('GET', `/_matrix/client/v3/directory/room/${enc('#missing:hs.test')}`, undefined, 404, 'M_NOT_FOUND');

  const list = await bob!.ok<{ chunk: { room_id: string; name?: string; num_joined_members: number }[]; total_room_count_estimate: number }>('GET', '/_matrix/client/v3/publicRooms');
  assert.deepEqual(list.chunk.map((r) => [r.room_id, r.name, r.num_joined_members]), [[roomId, 'Gardening', 1]]);
  const searched = await bob!.ok<{ chunk: unknown[] }>('POST', '/_matrix/client/v3/publicRooms', { filter: { generic_search_term: 'tomato' } });
  assert.equal(searched.chunk.length, 1);
  const none = await bob!.ok<{ chunk: unknown[] }>('POST', '/_matrix/client/v3/publicRooms', { filter: { generic_search_term: 'cars' } });
  assert.equal(none.chunk.length, 0);
  assert.deepEqual(await bob!.ok('GET', `/_matrix/client/v3/directory/list/room/${enc(roomId)}`), { visibility: 'public' });
  await bob!.fails('PUT', `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, { visibility: 'private' }, 403, 'M_FORBIDDEN');
  await alice!.ok('PUT', `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, { visibility: 'private' });
  assert.equal((await bob!.ok<{ chunk: unknown[] }>('GET', '/_matrix/client/v3/publicRooms')).chunk.length, 0);
  await alice!.ok('DELETE', `/_matrix/client/v3/directory/room/${enc('#garden:hs.test')}`);
  await bob!.fails('GET', '/_matrix/client/v3/publicRooms?since=bogus', undefined, 400, 'M_INVALID_PARAM');
});

test('/messages and /context apply a room event filter (types, senders, contains_url, lazy-loaded members)', async (t) => {
  const { clients: [alice, bob, carol] } = await users(t, 'alice', 'bob', 'carol');
  const roomId = await alice!.createRoom({ preset: 'public_chat' });
  await bob!.join(roomId);
  await carol!.join(roomId);
  await alice!.text(roomId, 'from alice');
  const bobs = await bob!.text(roomId, 'from bob');
  await bob!.send(roomId, { msgtype: 'm.image', body: 'cat.png', url: 'mxc://hs.test/cat' });
  await alice!.send(roomId, { custom: true }, 'org.example.custom');
  const filtered = (filter: object) => alice!.messages(roomId, { dir: 'b', limit: 50, filter: JSON.stringify(filter) });

  const onlyMessages = await filtered({ types: ['m.room.message'] });
  assert.ok(onlyMessages.chunk.length === 3 && onlyMessages.chunk.every((e) => e.type === 'm.room.message'));
  const wildcard = await filtered({ types: ['org.example.*'] });
  assert.deepEqual(wildcard.chunk.map((e) => e.type), ['org.example.custom']);
  const notBob = await filtered({ types: ['m.room.message'], not_senders: [bob!.userId] });
  assert.deepEqual(notBob.chunk.map((e) => e.content.body), ['from alice']);
  const withUrl = await filtered({ contains_url: true });
  assert.deepEqual(withUrl.chunk.map((e) => e.content.body), ['cat.png']);
  const lazy = await filtered({ types: ['m.room.message'], senders: [bob!.userId], lazy_load_members: true });
  assert.deepEqual((lazy.state as { state_key: string }[]).map((e) => e.state_key), [bob!.userId], 'only the senders’ member events');

  const context = await alice!.ok<{ events_before: { type: string }[] }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(bobs)}?limit=10&filter=${enc(JSON.stringify({ types: ['m.room.member'] }))}`);
  assert.ok(context.events_before.length > 0 && context.events_before.every((e) => e.type === 'm.room.member'));
  await alice!.fails('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&filter=${enc(JSON.stringify({ types: 'm.room.message' }))}`, undefined, 400, 'M_BAD_JSON');
});
