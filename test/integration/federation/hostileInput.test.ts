/**
 * What a server must refuse from others: requests signed by the wrong key, events not signed by their sender's
 * server, events whose content hash is wrong (redacted, not trusted), events failing auth (rejected), events
 * evading a ban (soft-failed), and replayed transactions (answered once, processed once). The room state stays
 * correct throughout.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { encodePathPart as enc } from '../../support/clientApi.ts';
import { type FederatedServer } from '../../support/federatedServers.ts';
import { startFederatedRoom } from '../../support/federatedRoom.ts';
import { completeEvent } from '../../../core/events/eventBuilder.ts';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { xMatrixAuthorization } from '../../../core/federation/xMatrixAuthorization.ts';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import type { RoomEvent } from '../../../core/events/roomEvent.ts';
import { stateKey } from '../../../core/state/stateMap.ts';

const joinedPair = (t: TestContext) => startFederatedRoom(t, 'arena');

/** An event of bob's, built on B from B's view of the room (prev and auth events chosen normally), not persisted. */
async function bobEvent(b: FederatedServer, roomId: string, type: string, content: JsonObject, stateKeyValue?: string): Promise<RoomEvent> {
  const prepared = await b.homeserver.eventCreation.prepare({ roomId, sender: '@bob:b.test', type, content, ...(stateKeyValue === undefined ? {} : { stateKey: stateKeyValue }) });
  return completeEvent(prepared.unsigned, prepared.roomVersion, { serverName: 'b.test', signingKey: b.homeserver.dataDirectory.signingKey });
}

/** PUT /send from B to A, signed by B. */
function sendTransaction(b: FederatedServer, txnId: string, pdus: JsonObject[]): Promise<{ pdus: Record<string, { error?: string }> }> {
  return b.homeserver.federation!.client.request('a.test', { method: 'PUT', path: `/_matrix/federation/v1/send/${txnId}`, body: { origin: 'b.test', origin_server_ts: Date.now(), pdus, edus: [] } });
}

test('requests signed by the wrong key, for the wrong destination, or not signed are refused with 401', async (t) => {
  const { a, b } = await joinedPair(t);
  const uri = '/_matrix/federation/v1/query/profile?user_id=%40alice%3Aa.test';
  const forger = SigningKey.generate('forged');
  const call = async (auth?: string) => {
    const res = await fetch(`${a.federationUrl}${uri}`, { headers: auth ? { Authorization: auth } : {} });
    return { status: res.status, body: (await res.json()) as { errcode?: string } };
  };
  for (const auth of [
    undefined,
    'Bearer nope',
    xMatrixAuthorization({ method: 'GET', uri, origin: 'b.test', destination: 'a.test' }, forger),
    xMatrixAuthorization({ method: 'GET', uri, origin: 'b.test', destination: 'c.test' }, forger),
  ]) {
    const res = await call(auth);
    assert.deepEqual([res.status, res.body.errcode], [401, 'M_UNAUTHORIZED'], String(auth));
  }
  // The same request signed with B's real key goes through.
  const ok = await call(xMatrixAuthorization({ method: 'GET', uri, origin: 'b.test', destination: 'a.test' }, b.homeserver.dataDirectory.signingKey));
  assert.equal(ok.status, 200);
});

test('an event not signed by its sender’s server is dropped; a wrong content hash gets the event redacted', async (t) => {
  const { a, b, alice, roomId } = await joinedPair(t);
  // Claims to come from c.test but carries only B's signature.
  const prepared = await b.homeserver.eventCreation.prepare({ roomId, sender: '@bob:b.test', type: 'm.room.message', content: { body: 'x' } });
  const impostor = completeEvent({ ...prepared.unsigned, sender: '@mallory:c.test' } as JsonObject, prepared.roomVersion, { serverName: 'b.test', signingKey: b.homeserver.dataDirectory.signingKey });
  const tampered = await bobEvent(b, roomId, 'm.room.message', { body: 'original words' });
  const tamperedPdu = { ...(tampered.toPduJson() as JsonObject), content: { body: 'changed in transit' } };
  const result = await sendTransaction(b, 't-hostile-1', [impostor.toPduJson() as JsonObject, tamperedPdu]);
  assert.match(result.pdus[impostor.eventId]?.error ?? '', /not validly signed by c\.test/);
  assert.equal(await a.homeserver.storage.stores.events.getEvent(impostor.eventId), null);
  // The signature covers the redacted form, so the event is accepted but its content is dropped.
  assert.deepEqual(result.pdus[tampered.eventId], {});
  const stored = await a.homeserver.storage.stores.events.getEvent(tampered.eventId);
  assert.deepEqual(stored?.event.content, {});
  const seen = await alice.ok<{ content: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(tampered.eventId)}`);
  assert.deepEqual(seen.content, {});
});

test('an event failing auth is rejected and changes no state; a replayed transaction is answered, not processed again', async (t) => {
  const { a, b, roomId } = await joinedPair(t);
  const stateBefore = await a.homeserver.storage.stores.roomState.getCurrentStateIds(roomId);
  // Bob (level 0) tries to make himself admin.
  const grab = await bobEvent(b, roomId, 'm.room.power_levels', { users: { '@bob:b.test': 100 } }, '');
  const first = await sendTransaction(b, 't-replay', [grab.toPduJson() as JsonObject]);
  assert.match(first.pdus[grab.eventId]?.error ?? '', /power level|not allowed|level/i);
  const stored = await a.homeserver.storage.stores.events.getEvent(grab.eventId);
  assert.ok(stored?.rejectedReason, 'kept as rejected');
  assert.deepEqual(await a.homeserver.storage.stores.roomState.getCurrentStateIds(roomId), stateBefore);

  const message = await bobEvent(b, roomId, 'm.room.message', { body: 'once' });
  const persistedBefore = a.homeserver.storage.stores.streams.events.getCurrentToken();
  const again = await sendTransaction(b, 't-replay', [message.toPduJson() as JsonObject]);
  assert.deepEqual(again, first, 'the stored answer of the first transaction');
  assert.equal(await a.homeserver.storage.stores.events.getEvent(message.eventId), null, 'the replay carried nothing new in');
  assert.equal(a.homeserver.storage.stores.streams.events.getCurrentToken(), persistedBefore);
});

test('an event evading a ban is soft-failed: stored, not shown, not an extremity', async (t) => {
  const { a, b, alice, bob, roomId } = await joinedPair(t);
  // Bob's server prepares a message before it learns of the ban, so it references the old part of the DAG.
  const evading = await bobEvent(b, roomId, 'm.room.message', { body: 'you cannot silence me' });
  await alice.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/ban`, { user_id: bob.userId });
  const result = await sendTransaction(b, 't-evade', [evading.toPduJson() as JsonObject]);
  assert.deepEqual(result.pdus[evading.eventId], {}, 'not rejected: it passes auth at its own position');
  const stored = await a.homeserver.storage.stores.events.getEvent(evading.eventId);
  assert.equal(stored?.softFailed, true);
  assert.ok(!(await a.homeserver.storage.stores.events.getLatestEventIdsInRoom(roomId)).includes(evading.eventId));
  const page = await alice.messages(roomId, { dir: 'b', limit: 20 });
  assert.ok(!page.chunk.some((e) => e.event_id === evading.eventId), 'clients do not see it');
  const banned = (await a.homeserver.storage.stores.roomState.getCurrentStateIds(roomId)).get(stateKey('m.room.member', bob.userId));
  assert.equal((await a.homeserver.storage.stores.events.getEvent(banned!))?.event.membership, 'ban');
});
