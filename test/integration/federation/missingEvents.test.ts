/**
 * A received event whose prev events A does not hold: A fetches them with /get_missing_events (at most ten
 * back) and handles them oldest first; when a gap remains, the state before the oldest fetched event comes from
 * /state_ids, the events it names are stored as outliers (not in the timeline), and the room state is right.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { stateKey } from '../../../core/state/stateMap.ts';
import { encodePathPart as enc } from '../../support/clientApi.ts';
import { startFederatedRoom } from '../../support/federatedRoom.ts';
import { federationCall } from '../../support/federationCall.ts';
import { countFederationRequests, type FederatedServer } from '../../support/federatedServers.ts';

async function roomOnA(t: TestContext) {
  const room = await startFederatedRoom(t, 'gaps');
  // B can no longer reach A: what bob sends stays on B until B hands A only the newest event.
  room.b.homeserver.federation!.resolver.setStatic('a.test', 'http://127.0.0.1:9');
  return room;
}

/** PUT /send from B straight to A's listener (B's own route to A is broken), signed by B, with one event. */
async function sendOnly(from: FederatedServer, to: FederatedServer, txnId: string, eventId: string): Promise<JsonObject> {
  const pdu = (await from.homeserver.storage.stores.events.getEvent(eventId))!.event.toPduJson() as JsonObject;
  const res = await federationCall(from, to, 'PUT', `/_matrix/federation/v1/send/${txnId}`, { origin: from.serverName, origin_server_ts: Date.now(), pdus: [pdu], edus: [] });
  assert.equal(res.status, 200);
  return res.body;
}

async function inTimeline(server: FederatedServer, eventId: string): Promise<boolean> {
  const stored = await server.homeserver.storage.stores.events.getEvent(eventId);
  return stored !== null && !stored.outlier && stored.rejectedReason === null;
}

test('missing prev events are fetched with /get_missing_events and join the timeline in order', async (t) => {
  const { a, b, alice, bob, roomId } = await roomOnA(t);
  const ids: string[] = [];
  for (let i = 1; i <= 4; i++) ids.push(await bob.text(roomId, `gap ${i}`));
  const missingCalls = countFederationRequests(a, (path) => path.includes('/get_missing_events/'));
  const stateIdsCalls = countFederationRequests(a, (path) => path.includes('/state_ids/'));

  const answer = await sendOnly(b, a, 'only-newest', ids[3]!);
  assert.deepEqual(answer.pdus, { [ids[3]!]: {} });
  for (const id of ids) assert.ok(await inTimeline(a, id), `${id} in A's timeline`);
  assert.equal(missingCalls.count, 1);
  assert.equal(stateIdsCalls.count, 0, 'no gap left');
  const page = await alice.messages(roomId, { dir: 'b', limit: 10 });
  assert.deepEqual(
    page.chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content.body).reverse(),
    ['gap 1', 'gap 2', 'gap 3', 'gap 4'],
  );
  assert.deepEqual(await a.homeserver.storage.stores.events.getLatestEventIdsInRoom(roomId), [ids[3]]);
});

test('a gap wider than /get_missing_events goes back: the state before it comes from /state_ids, its events stay outliers', async (t) => {
  const { a, b, alice, bob, roomId } = await roomOnA(t);
  // The first event changes state (bob's display name): A must learn it although it never gets it in order.
  const rename = (await bob.ok<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.userId)}`, { membership: 'join', displayname: 'Robert' })).event_id;
  const ids: string[] = [];
  for (let i = 1; i <= 14; i++) ids.push(await bob.text(roomId, `far ${i}`));
  const missingCalls = countFederationRequests(a, (path) => path.includes('/get_missing_events/'));
  const stateIdsCalls = countFederationRequests(a, (path) => path.includes('/state_ids/'));

  await sendOnly(b, a, 'far-newest', ids[13]!);
  assert.equal(missingCalls.count, 1);
  assert.ok(stateIdsCalls.count >= 1, 'the state across the gap was asked for');
  // The ten before the newest were fetched and joined the timeline; the rest were not.
  for (const id of ids.slice(3)) assert.ok(await inTimeline(a, id), `${id} in A's timeline`);
  for (const id of ids.slice(0, 3)) assert.ok(!(await inTimeline(a, id)), `${id} not in A's timeline`);
  const renameOnA = await a.homeserver.storage.stores.events.getEvent(rename);
  assert.equal(renameOnA?.outlier, true, 'the state event across the gap is stored as an outlier');
  // The room state is right: bob's new name is current on A.
  const current = await a.homeserver.storage.stores.roomState.getCurrentStateIds(roomId);
  assert.equal(current.get(stateKey('m.room.member', bob.userId)), rename);
  const member = await alice.ok<{ displayname?: string }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.userId)}`);
  assert.equal(member.displayname, 'Robert');
});
