/**
 * A room's server ACL keeps a denied server out: its PDUs are ignored (with an error in the transaction answer),
 * its typing notifications and receipts too, and its room-specific requests get 403 M_FORBIDDEN; allowed servers
 * carry on as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { eventually, startFederatedServers } from '../../support/federatedServers.ts';
import { federationCall } from '../../support/federationCall.ts';

test('a server denied by the room’s ACL can neither send into the room nor read it; others can', async (t) => {
  const [a, b, c] = await startFederatedServers(t, ['a.test', 'b.test', 'c.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const carol = new ClientApi(c!.baseUrl, await createLoggedInUser(c!, 'carol'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'guarded' });
  await bob.join('#guarded:a.test');
  await carol.join('#guarded:a.test');
  await eventually(async () => (await a!.homeserver.storage.stores.members.getUsersInRoom(roomId)).length === 3, 'all three joined on A');

  await alice.setState(roomId, 'm.room.server_acl', '', { allow: ['*'], deny: ['c.test'], allow_ip_literals: false });
  const aclOnB = async () => (await bob.call('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.server_acl/`)).status === 200;
  await eventually(aclOnB, 'B to get the ACL');

  // C's message reaches neither A nor B; B's does reach A.
  const fromCarol = await carol.text(roomId, 'can anyone hear me?');
  const fromBob = await bob.text(roomId, 'bob is still here');
  await eventually(async () => (await alice.messages(roomId, { dir: 'b', limit: 10 })).chunk.some((e) => e.event_id === fromBob), 'A to get bob’s message');
  assert.equal(await a!.homeserver.storage.stores.events.getEvent(fromCarol), null, 'A ignored C’s event');
  assert.equal(await b!.homeserver.storage.stores.events.getEvent(fromCarol), null, 'B ignored C’s event');

  // A transaction from C says why its PDU was ignored.
  const stored = await c!.homeserver.storage.stores.events.getEvent(fromCarol);
  const answer = await c!.homeserver.federation!.client.request<{ pdus: Record<string, { error?: string }> }>('a.test', {
    method: 'PUT',
    path: '/_matrix/federation/v1/send/acl-check',
    body: { origin: 'c.test', origin_server_ts: Date.now(), pdus: [stored!.event.toPduJson()], edus: [{ edu_type: 'm.typing', content: { room_id: roomId, user_id: carol.userId, typing: true } }] },
  });
  assert.match(answer.pdus[fromCarol]?.error ?? '', /server ACL/);
  assert.deepEqual(a!.homeserver.handlers.typing.typingUsers(roomId), [], 'C’s typing was ignored');

  // C's room-specific requests are refused; its user cannot be joined again through C.
  for (const uri of [
    `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(fromBob)}`,
    `/_matrix/federation/v1/backfill/${enc(roomId)}?v=${enc(fromBob)}&limit=5`,
    `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc('@dave:c.test')}?ver=11`,
  ]) {
    const res = await federationCall(c!, a!, 'GET', uri);
    assert.deepEqual([res.status, res.body.errcode], [403, 'M_FORBIDDEN'], uri);
  }
  // The same request from B goes through.
  const uri = `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(fromBob)}`;
  const ok = await federationCall(b!, a!, 'GET', uri);
  assert.equal(ok.status, 200);
});
