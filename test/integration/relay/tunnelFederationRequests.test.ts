/**
 * Issue 7, item 3: with only the relay reachable, the federation requests besides invite, join and /send work
 * through the live tunnels too: joining by alias (directory query), backfill when paging back past the join,
 * /state_ids and /event, profile queries, and device keys queried and claimed over federation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelayedHomeserver, RunningRelay } from '../../support/relayedServers.ts';
import { eventually } from '../../support/federatedServers.ts';
import { CLIENT, e2eeUser, uploadDeviceKeys } from '../keys/e2eeTestKit.ts';
import { encodePathPart as enc } from '../../support/clientApi.ts';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';

test('through the tunnel: join by alias, backfill, state_ids, event, profile and key queries', { timeout: 120_000 }, async (t) => {
  const relay = await RunningRelay.start(t, { tenants: ['a.test', 'b.test'] });
  const a = await RelayedHomeserver.start(t, 'a.test', relay, { peers: ['b.test'] });
  const b = await RelayedHomeserver.start(t, 'b.test', relay, { peers: ['a.test'] });
  await eventually(() => relay.service.tunnels.connectedTenants().length === 2, 'both tunnels to open');

  const alice = await e2eeUser(a, 'alice');
  const bob = await e2eeUser(b, 'bob');
  await alice.api.ok('PUT', `${CLIENT}/profile/${enc(alice.user.userId)}/displayname`, { displayname: 'Alice A' });
  const roomId = await alice.api.createRoom({ preset: 'public_chat', room_alias_name: 'tunnelled' });
  let last = '';
  for (let i = 0; i < 25; i++) last = await alice.api.text(roomId, `old ${i}`);

  // Joining by alias asks A's directory (query/directory), then make_join/send_join: all through the tunnels.
  assert.equal(await bob.api.join('#tunnelled:a.test'), roomId);

  // Paging back past the join backfills from A.
  const seen: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await bob.api.messages(roomId, { dir: 'b', limit: 10, ...(from ? { from } : {}) });
    seen.push(...result.chunk.filter((e) => e.type === 'm.room.message').map((e) => String(e.content.body)));
    if (!result.end) break;
    from = result.end;
  }
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `old ${24 - i}`), 'all 25 backfilled, newest first, once each');

  // /state_ids and /event from B's federation client, signed as B, answered by A through its tunnel.
  const federation = b.homeserver.federation!.client;
  const stateIds = (await federation.request('a.test', {
    method: 'GET',
    path: `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(last)}`,
  })) as { pdu_ids: string[]; auth_chain_ids: string[] };
  assert.ok(stateIds.pdu_ids.length >= 6, 'the room’s state at the event (create, members, power levels, rules…)');
  assert.ok(stateIds.auth_chain_ids.length > 0);
  const event = (await federation.request('a.test', { method: 'GET', path: `/_matrix/federation/v1/event/${enc(last)}` })) as {
    origin: string;
    pdus: JsonObject[];
  };
  assert.equal(event.origin, 'a.test');
  assert.equal((event.pdus[0]!.content as JsonObject).body, 'old 24');

  // Profile of a remote user (query/profile).
  const profile = await bob.api.ok<{ displayname?: string }>('GET', `${CLIENT}/profile/${enc(alice.user.userId)}`);
  assert.equal(profile.displayname, 'Alice A');

  // Device keys and a one-time key of alice, asked by bob's server over federation.
  await uploadDeviceKeys(alice, { one_time_keys: alice.device.oneTimeKeys(1) });
  const query = await bob.api.ok<{ device_keys: Record<string, Record<string, JsonObject>>; failures: Record<string, unknown> }>('POST', `${CLIENT}/keys/query`, {
    device_keys: { [alice.user.userId]: [] },
  });
  assert.deepEqual(query.failures, {});
  const { unsigned: _unsigned, ...keys } = query.device_keys[alice.user.userId]![alice.user.deviceId]!;
  assert.deepEqual(keys, alice.device.deviceKeys(), 'exactly the keys alice uploaded');
  const claim = await bob.api.ok<{ one_time_keys: Record<string, Record<string, Record<string, JsonObject>>>; failures: Record<string, unknown> }>(
    'POST',
    `${CLIENT}/keys/claim`,
    { one_time_keys: { [alice.user.userId]: { [alice.user.deviceId]: 'signed_curve25519' } } },
  );
  assert.deepEqual(claim.failures, {});
  assert.deepEqual(Object.keys(claim.one_time_keys[alice.user.userId]![alice.user.deviceId]!), ['signed_curve25519:K0']);
});
