/**
 * The smaller endpoints clients call after login, over HTTP and validated against the spec: user directory,
 * reports, pushers, third-party lookups, TURN credentials, third-party identifiers, login tokens, space
 * hierarchy, timestamp lookups, room upgrades and account deactivation, each with bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';

test('user directory: shared and public rooms and local users; limit and limited; bad input', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  await createLoggedInUser(hs, 'bobby');
  await bob.ok('PUT', `/_matrix/client/v3/profile/${enc(bob.userId)}/displayname`, { displayname: 'Robert Builder' });
  const search = (term: string, limit?: number) => alice.ok<{ results: { user_id: string; display_name?: string }[]; limited: boolean }>('POST', '/_matrix/client/v3/user_directory/search', { search_term: term, ...(limit === undefined ? {} : { limit }) });
  const found = await search('bob');
  assert.deepEqual(found.results.map((r) => r.user_id).sort(), ['@bob:hs.test', '@bobby:hs.test']);
  assert.equal(found.limited, false);
  assert.equal((await search('robert')).results[0]?.display_name, 'Robert Builder');
  assert.equal((await search('builder rob')).results[0]?.user_id, bob.userId);
  const limited = await search('bob', 1);
  assert.equal(limited.results.length, 1);
  assert.equal(limited.limited, true);
  assert.deepEqual((await search('nobody-here')).results, []);
  await alice.fails('POST', '/_matrix/client/v3/user_directory/search', {}, 400, 'M_MISSING_PARAM');
  await alice.fails('POST', '/_matrix/client/v3/user_directory/search', { search_term: 1 }, 400, 'M_BAD_JSON');
  await alice.fails('POST', '/_matrix/client/v3/user_directory/search', { search_term: 'a', limit: 'ten' }, 400, 'M_BAD_JSON');
});

test('reports, pushers, third-party lookups, TURN, 3PIDs and login tokens', async (t) => {
  const hs = await startTestHomeserver(t, { voip: { turn_uris: ['turn:turn.hs.test:3478?transport=udp'], turn_shared_secret: 's3cret', ttl: 600 } });
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const eve = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'eve'));
  const room = await alice.createRoom({});
  const event = await alice.text(room, 'spam?');

  await alice.ok('POST', `/_matrix/client/v3/rooms/${enc(room)}/report/${enc(event)}`, { reason: 'spam', score: -100 });
  await alice.ok('POST', `/_matrix/client/v3/rooms/${enc(room)}/report`, { reason: 'a bad room' });
  assert.equal(hs.homeserver.storage.stores.contentReports.list().length, 2);
  await eve.fails('POST', `/_matrix/client/v3/rooms/${enc(room)}/report/${enc(event)}`, { reason: 'x' }, 404, 'M_NOT_FOUND');
  await alice.fails('POST', `/_matrix/client/v3/rooms/${enc(room)}/report/${enc('$missing:hs.test')}`, {}, 404, 'M_NOT_FOUND');
  await alice.fails('POST', `/_matrix/client/v3/rooms/${enc(room)}/report/${enc(event)}`, { score: 5 }, 400, 'M_BAD_JSON');
  await alice.fails('POST', `/_matrix/client/v3/rooms/${enc('!unknown:hs.test')}/report`, {}, 404, 'M_NOT_FOUND');
  await alice.fails('POST', `/_matrix/client/v3/rooms/${enc(room)}/report`, { reason: 7 }, 400, 'M_BAD_JSON');
  await alice.ok('POST', `/_matrix/client/v3/users/${enc(eve.userId)}/report`, { reason: 'rude' });
  assert.equal(hs.homeserver.storage.stores.contentReports.list().at(-1)?.reportedUser, eve.userId);
  await alice.fails('POST', `/_matrix/client/v3/users/${enc('@ghost:hs.test')}/report`, { reason: 'x' }, 404, 'M_NOT_FOUND');
  await alice.fails('POST', `/_matrix/client/v3/users/not-a-user/report`, {}, 400, 'M_INVALID_PARAM');

  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v3/pushers'), { pushers: [] });
  const pusher = { pushkey: 'key1', kind: 'http', app_id: 'im.app', app_display_name: 'App', device_display_name: 'Phone', lang: 'en', data: { url: 'https://push.example/_matrix/push/v1/notify', format: 'event_id_only' } };
  await alice.ok('POST', '/_matrix/client/v3/pushers/set', pusher);
  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v3/pushers'), { pushers: [pusher] });
  await alice.ok('POST', '/_matrix/client/v3/pushers/set', { ...pusher, device_display_name: 'Laptop' });
  assert.equal((await alice.ok<{ pushers: { device_display_name: string }[] }>('GET', '/_matrix/client/v3/pushers')).pushers[0]!.device_display_name, 'Laptop');
  await alice.ok('POST', '/_matrix/client/v3/pushers/set', { pushkey: 'key1', app_id: 'im.app', kind: null });
  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v3/pushers'), { pushers: [] });
  await alice.fails('POST', '/_matrix/client/v3/pushers/set', { ...pusher, data: { url: 'https://push.example/elsewhere' } }, 400, 'M_INVALID_PARAM');
  await alice.fails('POST', '/_matrix/client/v3/pushers/set', { ...pusher, data: {} }, 400, 'M_MISSING_PARAM');
  await alice.fails('POST', '/_matrix/client/v3/pushers/set', { ...pusher, kind: 'carrier-pigeon' }, 400, 'M_INVALID_PARAM');
  await alice.fails('POST', '/_matrix/client/v3/pushers/set', { app_id: 'im.app', kind: 'http' }, 400, 'M_MISSING_PARAM');
  await alice.fails('POST', '/_matrix/client/v3/pushers/set', { ...pusher, lang: 3 }, 400, 'M_BAD_JSON');

  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v3/thirdparty/protocols'), {});
  await alice.fails('GET', '/_matrix/client/v3/thirdparty/protocol/irc', undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', '/_matrix/client/v3/thirdparty/location/irc', undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', '/_matrix/client/v3/thirdparty/user/irc', undefined, 404, 'M_NOT_FOUND');
  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v3/thirdparty/location?alias=%23a%3Ab'), []);
  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v3/thirdparty/user?userid=%40a%3Ab'), []);
  await alice.fails('GET', '/_matrix/client/v3/thirdparty/user', undefined, 400, 'M_MISSING_PARAM');

  const turn = await alice.ok<{ username: string; password: string; uris: string[]; ttl: number }>('GET', '/_matrix/client/v3/voip/turnServer');
  assert.deepEqual(turn.uris, ['turn:turn.hs.test:3478?transport=udp']);
  assert.equal(turn.ttl, 600);
  assert.match(turn.username, new RegExp(`^\\d+:${alice.userId}$`));
  assert.equal(turn.password, createHmac('sha1', 's3cret').update(turn.username).digest('base64'));

  assert.deepEqual(await alice.ok('GET', '/_matrix/client/v3/account/3pid'), { threepids: [] });
  await alice.fails('POST', '/_matrix/client/v3/account/3pid/add', { sid: 'x', client_secret: 'y' }, 403, 'M_FORBIDDEN');
  await alice.fails('POST', '/_matrix/client/v3/account/3pid/bind', { sid: 'x', client_secret: 'y', id_server: 'id.example', id_access_token: 't' }, 403, 'M_FORBIDDEN');
  assert.deepEqual(await alice.ok('POST', '/_matrix/client/v3/account/3pid/delete', { medium: 'email', address: 'a@b.c' }), { id_server_unbind_result: 'no-support' });
  await alice.fails('POST', '/_matrix/client/v3/account/3pid/delete', { medium: 'email' }, 400, 'M_MISSING_PARAM');
  await alice.fails('POST', '/_matrix/client/v3/account/3pid/email/requestToken', { client_secret: 'a', email: 'a@b.c', send_attempt: 1 }, 403, 'M_THREEPID_DENIED');
  await alice.fails('POST', '/_matrix/client/v3/register/email/requestToken', { client_secret: 'a', email: 'a@b.c', send_attempt: 1 }, 403, 'M_THREEPID_DENIED');
  await alice.fails('POST', '/_matrix/client/v3/account/password/email/requestToken', { client_secret: 'a', email: 'a@b.c', send_attempt: 1 }, 400, 'M_THREEPID_NOT_FOUND');
  await alice.fails('POST', '/_matrix/client/v1/login/get_token', {}, 400, 'M_FORBIDDEN');
});

test('TURN: 404 M_NOT_FOUND without a TURN server; fixed credentials when configured so', async (t) => {
  const plain = await startTestHomeserver(t);
  const alice = new ClientApi(plain.baseUrl, await createLoggedInUser(plain, 'alice'));
  // No TURN server: a standard 404 (the spec's 200 needs credentials and URIs; clients call without relaying).
  await alice.fails('GET', '/_matrix/client/v3/voip/turnServer', undefined, 404, 'M_NOT_FOUND');
  const fixed = await startTestHomeserver(t, { voip: { turn_uris: ['turns:turn.example:5349'], turn_username: 'u', turn_password: 'p' } });
  const bob = new ClientApi(fixed.baseUrl, await createLoggedInUser(fixed, 'bob'));
  assert.deepEqual(await bob.ok('GET', '/_matrix/client/v3/voip/turnServer'), { username: 'u', password: 'p', uris: ['turns:turn.example:5349'], ttl: 86400 });
});

test('space hierarchy: children in order, suggested only, depth, paging, rooms the user may not see left out', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const space = await alice.createRoom({ preset: 'public_chat', name: 'Space', creation_content: { type: 'm.space' } });
  const general = await alice.createRoom({ preset: 'public_chat', name: 'General' });
  const random = await alice.createRoom({ preset: 'public_chat', name: 'Random' });
  const subspace = await alice.createRoom({ preset: 'public_chat', name: 'Sub', creation_content: { type: 'm.space' } });
  const deep = await alice.createRoom({ preset: 'public_chat', name: 'Deep' });
  const hidden = await alice.createRoom({ preset: 'private_chat', name: 'Hidden' });
  const via = { via: ['hs.test'] };
  await alice.setState(space, 'm.space.child', random, { ...via, order: 'b' });
  await alice.setState(space, 'm.space.child', general, { ...via, order: 'a', suggested: true });
  await alice.setState(space, 'm.space.child', subspace, via);
  await alice.setState(space, 'm.space.child', hidden, via);
  await alice.setState(subspace, 'm.space.child', deep, via);
  await alice.setState(space, 'm.space.child', '!removed:hs.test', {});
  const hierarchy = (client: ClientApi, query = '') =>
    client.ok<{ rooms: { room_id: string; name?: string; room_type?: string; children_state: { state_key: string }[] }[]; next_batch?: string }>('GET', `/_matrix/client/v1/rooms/${enc(space)}/hierarchy${query}`);

  const all = await hierarchy(alice);
  assert.deepEqual(all.rooms.map((r) => r.name), ['Space', 'General', 'Random', 'Sub', 'Hidden', 'Deep']);
  assert.equal(all.rooms[0]!.room_type, 'm.space');
  assert.deepEqual(all.rooms[0]!.children_state.map((c) => c.state_key), [general, random, subspace, hidden]);
  assert.deepEqual((await hierarchy(bob)).rooms.map((r) => r.name), ['Space', 'General', 'Random', 'Sub', 'Deep'], 'bob cannot see the private room');
  assert.deepEqual((await hierarchy(alice, '?suggested_only=true')).rooms.map((r) => r.name), ['Space', 'General']);
  assert.deepEqual((await hierarchy(alice, '?max_depth=0')).rooms.map((r) => r.name), ['Space']);
  const first = await hierarchy(alice, '?limit=2');
  assert.deepEqual(first.rooms.map((r) => r.name), ['Space', 'General']);
  const second = await hierarchy(alice, `?limit=2&from=${enc(first.next_batch!)}`);
  assert.deepEqual(second.rooms.map((r) => r.name), ['Random', 'Sub']);
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(space)}/hierarchy?limit=2&suggested_only=true&from=${enc(first.next_batch!)}`, undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(space)}/hierarchy?from=garbage`, undefined, 400, 'M_INVALID_PARAM');
  await bob.fails('GET', `/_matrix/client/v1/rooms/${enc(hidden)}/hierarchy`, undefined, 403, 'M_FORBIDDEN');
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc('!nope:hs.test')}/hierarchy`, undefined, 403, 'M_FORBIDDEN');
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(space)}/hierarchy?max_depth=-1`, undefined, 400, 'M_INVALID_PARAM');
});

test('timestamp_to_event finds the closest visible event in either direction', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const eve = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'eve'));
  const room = await alice.createRoom({});
  const first = await alice.text(room, 'one');
  const firstTs = (await alice.ok<{ origin_server_ts: number }>('GET', `/_matrix/client/v3/rooms/${enc(room)}/event/${enc(first)}`)).origin_server_ts;
  await new Promise((r) => setTimeout(r, 5));
  const second = await alice.text(room, 'two');
  const lookup = (ts: number, dir: string) => alice.ok<{ event_id: string; origin_server_ts: number }>('GET', `/_matrix/client/v1/rooms/${enc(room)}/timestamp_to_event?ts=${ts}&dir=${dir}`);
  assert.equal((await lookup(firstTs, 'f')).event_id, first);
  assert.equal((await lookup(firstTs + 1, 'f')).event_id, second);
  assert.equal((await lookup(firstTs, 'b')).event_id, first);
  assert.equal((await lookup(Date.now() + 60_000, 'b')).event_id, second);
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(room)}/timestamp_to_event?ts=${Date.now() + 60_000}&dir=f`, undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(room)}/timestamp_to_event?ts=1`, undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(room)}/timestamp_to_event?dir=f`, undefined, 400, 'M_MISSING_PARAM');
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(room)}/timestamp_to_event?ts=abc&dir=f`, undefined, 400, 'M_INVALID_PARAM');
  await eve.fails('GET', `/_matrix/client/v1/rooms/${enc(room)}/timestamp_to_event?ts=1&dir=f`, undefined, 403, 'M_FORBIDDEN');
});

test('room upgrade: a new room with the state copied, the old one tombstoned and restricted, aliases moved', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const old = await alice.createRoom({ preset: 'public_chat', name: 'Old', topic: 'Topic', room_alias_name: 'lounge', room_version: '10', visibility: 'public' });
  await bob.join(old);
  await alice.ok('POST', `/_matrix/client/v3/rooms/${enc(old)}/ban`, { user_id: '@troll:elsewhere.test', reason: 'spam' });
  await bob.fails('POST', `/_matrix/client/v3/rooms/${enc(old)}/upgrade`, { new_version: '11' }, 403, 'M_FORBIDDEN');
  await alice.fails('POST', `/_matrix/client/v3/rooms/${enc(old)}/upgrade`, { new_version: '99' }, 400, 'M_UNSUPPORTED_ROOM_VERSION');
  await alice.fails('POST', `/_matrix/client/v3/rooms/${enc(old)}/upgrade`, {}, 400, 'M_MISSING_PARAM');

  const { replacement_room: replacement } = await alice.ok<{ replacement_room: string }>('POST', `/_matrix/client/v3/rooms/${enc(old)}/upgrade`, { new_version: '11' });
  const state = (roomId: string, type: string, key = '') => alice.ok<Record<string, unknown>>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(key)}`);
  const create = await state(replacement, 'm.room.create');
  assert.equal(create.room_version, '11');
  assert.equal((create.predecessor as { room_id: string }).room_id, old);
  assert.equal((await state(replacement, 'm.room.name')).name, 'Old');
  assert.equal((await state(replacement, 'm.room.topic')).topic, 'Topic');
  assert.equal((await state(replacement, 'm.room.join_rules')).join_rule, 'public');
  assert.equal((await state(replacement, 'm.room.member', '@troll:elsewhere.test')).membership, 'ban');
  assert.equal((await state(replacement, 'm.room.canonical_alias')).alias, '#lounge:hs.test');
  assert.deepEqual(await alice.ok('GET', `/_matrix/client/v3/directory/room/${enc('#lounge:hs.test')}`), { room_id: replacement, servers: ['hs.test'] });
  assert.deepEqual(await state(old, 'm.room.tombstone'), { body: 'This room has been replaced', replacement_room: replacement });
  const oldLevels = await state(old, 'm.room.power_levels');
  assert.equal(oldLevels.events_default, 50);
  assert.equal(oldLevels.invite, 50);
  await bob.fails('PUT', `/_matrix/client/v3/rooms/${enc(old)}/send/m.room.message/t1`, { msgtype: 'm.text', body: 'still here?' }, 403, 'M_FORBIDDEN');
  assert.equal((await alice.ok<{ visibility: string }>('GET', `/_matrix/client/v3/directory/list/room/${enc(replacement)}`)).visibility, 'public');
  assert.equal((await alice.ok<{ visibility: string }>('GET', `/_matrix/client/v3/directory/list/room/${enc(old)}`)).visibility, 'private');
  await bob.join(replacement);
});

test('account deactivation: password re-authentication, rooms left, tokens revoked, login refused', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob', 'bobpass'));
  const room = await alice.createRoom({ preset: 'public_chat' });
  await bob.join(room);
  const challenge = await bob.call('POST', '/_matrix/client/v3/account/deactivate', {});
  assert.equal(challenge.status, 401);
  const session = (challenge.body as { session: string }).session;
  await bob.fails('POST', '/_matrix/client/v3/account/deactivate', { auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bob' }, password: 'wrong', session } }, 401, 'M_FORBIDDEN');
  await bob.fails('POST', '/_matrix/client/v3/account/deactivate', { erase: 'yes' }, 400, 'M_BAD_JSON');
  const done = await bob.ok('POST', '/_matrix/client/v3/account/deactivate', { auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bob' }, password: 'bobpass', session } });
  assert.deepEqual(done, { id_server_unbind_result: 'no-support' });
  const members = await alice.ok<{ joined: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${enc(room)}/joined_members`);
  assert.deepEqual(Object.keys(members.joined), [alice.userId]);
  await bob.fails('GET', '/_matrix/client/v3/account/whoami', undefined, 401, 'M_UNKNOWN_TOKEN');
  const login = await alice.call('POST', '/_matrix/client/v3/login', { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bob' }, password: 'bobpass' }, { noAuth: true });
  assert.equal(login.status, 403);
});
