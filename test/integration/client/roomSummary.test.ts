/**
 * `GET /_matrix/client/v1/room_summary/{roomIdOrAlias}` over real HTTP, spec-validated: the summary of rooms
 * the requester may see (joined or invited, world-readable, public, knockable, restricted to a room they are
 * in), anonymous requests for open rooms, and one 404 for rooms that are unknown or not visible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';

interface Summary {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  name?: string;
  topic?: string;
  avatar_url?: string;
  canonical_alias?: string;
  join_rule?: string;
  room_type?: string;
  room_version?: string;
  encryption?: string;
  allowed_room_ids?: string[];
  membership?: string;
}

const summaryPath = (roomIdOrAlias: string, query = '') => `/_matrix/client/v1/room_summary/${enc(roomIdOrAlias)}${query}`;

test('members get the whole summary of a private room, by ID or alias', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const roomId = await alice.createRoom({
    preset: 'private_chat',
    name: 'Secret garden',
    topic: 'Roses',
    room_alias_name: 'garden',
    initial_state: [
      { type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } },
      { type: 'm.room.avatar', state_key: '', content: { url: 'mxc://hs.test/rose' } },
    ],
  });
  await alice.setState(roomId, 'm.room.canonical_alias', '', { alias: '#garden:hs.test' });
  const expected: Summary = {
    room_id: roomId,
    num_joined_members: 1,
    world_readable: false,
    // The private_chat preset lets guests join.
    guest_can_join: true,
    name: 'Secret garden',
    topic: 'Roses',
    avatar_url: 'mxc://hs.test/rose',
    canonical_alias: '#garden:hs.test',
    join_rule: 'invite',
    room_version: '11',
    encryption: 'm.megolm.v1.aes-sha2',
    membership: 'join',
  };
  assert.deepEqual(await alice.ok<Summary>('GET', summaryPath(roomId)), expected);
  assert.deepEqual(await alice.ok<Summary>('GET', summaryPath('#garden:hs.test', '?via=hs.test&via=elsewhere.test')), expected);
  const space = await alice.createRoom({ preset: 'public_chat', name: 'Space', creation_content: { type: 'm.space' } });
  assert.equal((await alice.ok<Summary>('GET', summaryPath(space))).room_type, 'm.space');
});

test('who may see a summary: invitees, and anyone for open, knockable or world-readable rooms; restricted to allowed rooms', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const carol = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'carol'));
  const anonymous = (path: string) => alice.call('GET', path, undefined, { noAuth: true });

  const open = await alice.createRoom({ preset: 'public_chat', name: 'Open' });
  const openSummary = await bob.ok<Summary>('GET', summaryPath(open));
  assert.deepEqual([openSummary.name, openSummary.join_rule, openSummary.membership], ['Open', 'public', 'leave']);
  const anonymousOpen = await anonymous(summaryPath(open));
  assert.equal(anonymousOpen.status, 200, anonymousOpen.text);
  assert.equal((anonymousOpen.body as Summary).membership, undefined, 'no membership without a requester');

  const privateRoom = await alice.createRoom({ preset: 'private_chat', name: 'Private' });
  await bob.fails('GET', summaryPath(privateRoom), undefined, 404, 'M_NOT_FOUND');
  const anonymousPrivate = await anonymous(summaryPath(privateRoom));
  assert.deepEqual([anonymousPrivate.status, (anonymousPrivate.body as { errcode: string }).errcode], [404, 'M_NOT_FOUND']);
  await alice.invite(privateRoom, bob.userId);
  assert.equal((await bob.ok<Summary>('GET', summaryPath(privateRoom))).membership, 'invite');

  await alice.setState(privateRoom, 'm.room.history_visibility', '', { history_visibility: 'world_readable' });
  const readable = await anonymous(summaryPath(privateRoom));
  assert.equal(readable.status, 200, readable.text);
  assert.equal((readable.body as Summary).world_readable, true);

  const knockable = await alice.createRoom({ preset: 'private_chat', name: 'Knock' });
  await alice.setState(knockable, 'm.room.join_rules', '', { join_rule: 'knock' });
  assert.equal((await carol.ok<Summary>('GET', summaryPath(knockable))).join_rule, 'knock');

  const space = await alice.createRoom({ preset: 'private_chat', name: 'Members only' });
  await alice.invite(space, bob.userId);
  await bob.join(space);
  const restricted = await alice.createRoom({ preset: 'private_chat', name: 'Restricted' });
  await alice.setState(restricted, 'm.room.join_rules', '', { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: space }] });
  const viaSpace = await bob.ok<Summary>('GET', summaryPath(restricted));
  assert.deepEqual([viaSpace.join_rule, viaSpace.allowed_room_ids, viaSpace.membership], ['restricted', [space], 'leave']);
  await carol.fails('GET', summaryPath(restricted), undefined, 404, 'M_NOT_FOUND');

  // Banned users see nothing, even of an open room.
  await carol.join(open);
  await alice.ok('POST', `/_matrix/client/v3/rooms/${enc(open)}/ban`, { user_id: carol.userId });
  await carol.fails('GET', summaryPath(open), undefined, 404, 'M_NOT_FOUND');
});

test('room summary: unknown rooms and aliases are 404; bad IDs, via servers and tokens are refused', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const open = await alice.createRoom({ preset: 'public_chat' });
  await alice.fails('GET', summaryPath('!unknown:hs.test'), undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', summaryPath('!unknown:elsewhere.test', '?via=elsewhere.test'), undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', summaryPath('#missing:hs.test'), undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', summaryPath('not-a-room'), undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', summaryPath(open, '?via=not%20a%20server'), undefined, 400, 'M_INVALID_PARAM');
  const badToken = await new ClientApi(hs.baseUrl, { ...alice.user, accessToken: 'hth_nope' }).call('GET', summaryPath(open));
  assert.deepEqual([badToken.status, (badToken.body as { errcode: string }).errcode], [401, 'M_UNKNOWN_TOKEN']);
});
