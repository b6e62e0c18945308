/**
 * What a resident server answers other servers about its rooms (server-server API: "Retrieving events",
 * "Querying for information", "Public Room Directory"), each answer checked against the server-server OpenAPI
 * definitions: /event, /state, /state_ids, /event_auth, /get_missing_events, query/directory and publicRooms;
 * servers not in the room get 403, unknown aliases 404.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { stateKey } from '../../../core/state/stateMap.ts';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';
import { eventually, startFederatedServers } from '../../support/federatedServers.ts';
import { federationCall } from '../../support/federationCall.ts';

test('room data other servers may fetch: event, state, state IDs, auth chain, missing events, alias, public rooms', async (t) => {
  const [a, b, c] = await startFederatedServers(t, ['a.test', 'b.test', 'c.test']);
  const alice = new ClientApi(a!.baseUrl, await createLoggedInUser(a!, 'alice'));
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'resident', name: 'Resident', visibility: 'public' } as never);
  const topic = (await alice.ok<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.topic/`, { topic: 'answers' })).event_id;
  await bob.join('#resident:a.test');
  await eventually(async () => (await a!.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.userId), 'bob joined on A');
  const messages: string[] = [];
  for (let i = 1; i <= 4; i++) messages.push(await alice.text(roomId, `m${i}`));
  const state = await a!.homeserver.storage.stores.roomState.getCurrentStateIds(roomId);
  const createId = state.get(stateKey('m.room.create', ''))!;
  assert.ok(createId, 'the create event is in the state');
  const ask = (method: string, uri: string, body?: JsonObject, from = b!) => federationCall(from, a!, method, uri, body);

  const event = await ask('GET', `/_matrix/federation/v1/event/${enc(topic)}`);
  assert.equal(event.status, 200);
  assert.deepEqual((event.body.pdus as JsonObject[]).map((p) => p.content), [{ topic: 'answers' }]);

  const at = messages[3]!;
  const full = await ask('GET', `/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(at)}`);
  assert.equal(full.status, 200);
  const stateTypes = (full.body.pdus as JsonObject[]).map((p) => `${String(p.type)}|${String(p.state_key)}`);
  for (const key of ['m.room.create|', 'm.room.topic|', `m.room.member|${alice.userId}`, `m.room.member|${bob.userId}`]) assert.ok(stateTypes.includes(key), key);

  const ids = await ask('GET', `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(at)}`);
  assert.equal(ids.status, 200);
  assert.ok((ids.body.pdu_ids as string[]).includes(topic) && (ids.body.pdu_ids as string[]).includes(createId));
  assert.ok((ids.body.auth_chain_ids as string[]).includes(createId));

  const auth = await ask('GET', `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(topic)}`);
  assert.equal(auth.status, 200);
  assert.ok((auth.body.auth_chain as JsonObject[]).some((p) => p.type === 'm.room.create'));

  // Between m1 (held) and m4 (wanted): m2 and m3, oldest first.
  const missing = await ask('POST', `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { earliest_events: [messages[0]!], latest_events: [messages[3]!], limit: 10 });
  assert.equal(missing.status, 200);
  assert.deepEqual((missing.body.events as JsonObject[]).map((p) => (p.content as JsonObject).body), ['m2', 'm3']);

  const alias = await ask('GET', `/_matrix/federation/v1/query/directory?room_alias=${enc('#resident:a.test')}`);
  assert.equal(alias.status, 200);
  assert.equal(alias.body.room_id, roomId);
  assert.ok((alias.body.servers as string[]).includes('a.test'));
  const unknownAlias = await ask('GET', `/_matrix/federation/v1/query/directory?room_alias=${enc('#nowhere:a.test')}`);
  assert.deepEqual([unknownAlias.status, unknownAlias.body.errcode], [404, 'M_NOT_FOUND']);

  const listed = await ask('GET', '/_matrix/federation/v1/publicRooms?limit=10');
  assert.equal(listed.status, 200);
  assert.ok((listed.body.chunk as JsonObject[]).some((r) => r.room_id === roomId && r.name === 'Resident'));
  const searched = await ask('POST', '/_matrix/federation/v1/publicRooms', { limit: 10, filter: { generic_search_term: 'resid' } });
  assert.equal(searched.status, 200);
  assert.deepEqual((searched.body.chunk as JsonObject[]).map((r) => r.room_id), [roomId]);

  // C has nobody in the room: it may not read it.
  for (const uri of [`/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(at)}`, `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(at)}`, `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(topic)}`]) {
    const refused = await ask('GET', uri, undefined, c!);
    assert.deepEqual([refused.status, refused.body.errcode], [403, 'M_FORBIDDEN'], uri);
  }
  const refusedMissing = await ask('POST', `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { earliest_events: [], latest_events: [at], limit: 10 }, c!);
  assert.equal(refusedMissing.status, 403);
});
