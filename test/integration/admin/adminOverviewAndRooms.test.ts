/** The health overview and the rooms pages of the admin API, over real HTTP, with data made through the client API. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { ClientApi } from '../../support/clientApi.ts';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { configuredRelayStatus } from '../../../core/http/admin/relayStatusSource.ts';
import { EventRateSampler } from '../../../core/http/admin/eventRateSampler.ts';
import { TrackedStreamPosition } from '../../../core/replication/streamPosition.ts';
import { admin, adminRaw, startAdminTestServer } from './adminTestKit.ts';

test('the overview reports uptime, database size, counts, caches, federation, relay, problems and events/s', async (t) => {
  const server = await startAdminTestServer(t);
  const alice = new ClientApi(server.baseUrl, await createLoggedInUser(server, 'alice'));
  const roomId = await alice.createRoom({ name: 'Health check' });
  for (let i = 0; i < 3; i++) await alice.text(roomId, `message ${i}`);
  server.homeserver.log.warn('a test warning for the health page');
  server.homeserver.admin.sampler.sample();

  const overview = await admin(server, 'GET /overview');
  const db = server.homeserver.storage.stores.db;
  assert.equal(overview.server_name, 'hs.test');
  assert.equal(overview.homeserver_url, server.baseUrl);
  assert.ok(overview.uptime_ms > 0);
  assert.equal(overview.database.path, server.homeserver.dataDirectory.databasePath);
  assert.ok(overview.database.size_bytes >= statSync(overview.database.path).size && overview.database.size_bytes > 0);
  assert.deepEqual(overview.counts, {
    events: db.prepare('SELECT COUNT(*) FROM events').pluck().get(),
    rooms: 1,
    users: 1,
  });
  assert.equal(overview.stream_positions.events, server.homeserver.eventsPosition.current());
  assert.equal(overview.stream_positions.device_lists, server.homeserver.storage.stores.streams.deviceLists.getCurrentToken());
  // Cache counters are the registry's own.
  const registry = new Map(server.homeserver.storage.stores.caches.snapshot().map((c) => [c.name, c]));
  assert.ok(overview.caches.length > 0);
  for (const cache of overview.caches) {
    assert.ok(registry.has(cache.name));
    assert.ok(cache.hit_ratio === null || (cache.hit_ratio >= 0 && cache.hit_ratio <= 1));
    if (cache.hits + cache.misses > 0) assert.equal(cache.hit_ratio, cache.hits / (cache.hits + cache.misses));
  }
  assert.equal(overview.cache_totals.hits, overview.caches.reduce((n, c) => n + c.hits, 0));
  assert.deepEqual(overview.federation, { enabled: true, paused: false, pause_saved: true, listener: null, destinations: [] });
  assert.equal(overview.relay.configured, false);
  assert.equal(overview.relay.connection, 'not_configured');
  assert.equal(overview.relay.summary, 'not configured');
  assert.ok(overview.recent_problems.some((p) => p.level === 'warn' && p.message === 'a test warning for the health page'));
  assert.ok(overview.event_rate.length >= 1);
  assert.ok(overview.event_rate.every((s) => s.events_per_second >= 0 && s.ts > 0));

  // Pausing federation from the health page.
  const paused = await admin(server, 'PUT /federation/paused', { body: { paused: true } });
  assert.equal(paused.paused, true);
  assert.equal(server.homeserver.federation!.sender.isPaused, true);
  assert.equal((await admin(server, 'GET /overview')).federation.paused, true);
  assert.equal((await admin(server, 'PUT /federation/paused', { body: { paused: false } })).paused, false);
  const bad = await adminRaw(server, 'PUT /federation/paused', { body: { paused: 'yes' } });
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { errcode: string }).errcode, 'M_BAD_JSON');
  const notJson = await fetch(`${server.baseUrl}/_desktop/api/federation/paused`, { method: 'PUT', headers: { Authorization: `Bearer ${server.token}` }, body: '{nope' });
  assert.equal(notJson.status, 400);
  assert.equal(((await notJson.json()) as { errcode: string }).errcode, 'M_NOT_JSON');
});

test('a configured relay reports itself as configured but not running until the relay client fills it in', () => {
  const status = configuredRelayStatus({ url: 'https://relay.example.net', server_name: 'relay.example.net', secret: 's' }).relayStatus();
  assert.equal(status.configured, true);
  assert.equal(status.connection, 'not_running');
  assert.equal(status.url, 'https://relay.example.net');
  assert.ok(!JSON.stringify(status).includes('"s"'), 'the secret is never reported');
});

test('events/s samples follow the events stream position', () => {
  let now = 1_000_000;
  const position = new TrackedStreamPosition(10);
  const sampler = new EventRateSampler(position, { now: () => now, keep: 3 });
  const seen: number[] = [];
  sampler.onSample((s) => seen.push(s.events_per_second));
  now += 1000;
  position.advanceTo(15);
  assert.equal(sampler.sample().events_per_second, 5);
  now += 2000;
  position.advanceTo(19);
  assert.equal(sampler.sample().events_per_second, 2);
  now += 1000;
  sampler.sample();
  now += 1000;
  sampler.sample();
  assert.equal(sampler.recent().length, 3);
  assert.deepEqual(seen, [5, 2, 0, 0]);
  assert.equal(sampler.latestRate(), 0);
});

test('rooms: names, member counts and last activity; one room\'s timeline and current state', async (t) => {
  const server = await startAdminTestServer(t);
  const alice = new ClientApi(server.baseUrl, await createLoggedInUser(server, 'alice'));
  const bob = new ClientApi(server.baseUrl, await createLoggedInUser(server, 'bob'));
  const carol = await createLoggedInUser(server, 'carol');

  const club = await alice.createRoom({ name: 'Book club', topic: 'Monthly books' });
  await alice.invite(club, bob.userId);
  await bob.join(club);
  await alice.invite(club, carol.userId);
  const lastBody = 'see you on Thursday';
  const lastId = await bob.text(club, lastBody);
  const plain = await alice.createRoom({});

  const { rooms } = await admin(server, 'GET /rooms');
  assert.equal(rooms.length, 2);
  // Most recently active first: the unnamed room was created after the last message.
  assert.deepEqual(rooms.map((r) => r.room_id), [plain, club]);
  const clubSummary = rooms.find((r) => r.room_id === club)!;
  assert.equal(clubSummary.name, 'Book club');
  assert.equal(clubSummary.display_name, 'Book club');
  assert.equal(clubSummary.topic, 'Monthly books');
  assert.equal(clubSummary.joined_members, 2);
  assert.equal(clubSummary.invited_members, 1);
  const lastEvent = await server.homeserver.storage.stores.events.getEvent(lastId);
  assert.equal(clubSummary.last_activity_ts, lastEvent!.event.originServerTs);
  assert.equal(typeof clubSummary.room_version, 'string');
  const plainSummary = rooms.find((r) => r.room_id === plain)!;
  assert.equal(plainSummary.name, null);
  assert.equal(plainSummary.display_name, plain);
  assert.equal(plainSummary.joined_members, 1);

  const detail = await admin(server, 'GET /rooms/{roomId}', { path: `/rooms/${encodeURIComponent(club)}?limit=5` });
  assert.equal(detail.room.room_id, club);
  assert.equal(detail.timeline.length, 5);
  assert.equal(detail.timeline.at(-1)!.event_id, lastId);
  assert.equal(detail.timeline.at(-1)!.content.body, lastBody);
  const times = detail.timeline.map((e) => e.origin_server_ts);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
  const stateKeys = detail.state.map((e) => `${e.type}|${e.state_key}`);
  assert.ok(stateKeys.includes('m.room.name|'));
  assert.ok(stateKeys.includes(`m.room.member|${carol.userId}`));
  assert.deepEqual(stateKeys, [...stateKeys].sort(), 'sorted by type and state key');
  assert.equal(detail.state.find((e) => e.type === 'm.room.member' && e.state_key === carol.userId)!.content.membership, 'invite');

  const missing = await adminRaw(server, 'GET /rooms/{roomId}', { path: `/rooms/${encodeURIComponent('!nope:hs.test')}` });
  assert.equal(missing.status, 404);
  assert.equal((missing.body as { errcode: string }).errcode, 'M_NOT_FOUND');
  const badLimit = await adminRaw(server, 'GET /rooms/{roomId}', { path: `/rooms/${encodeURIComponent(club)}?limit=0` });
  assert.equal(badLimit.status, 400);
  assert.equal((badLimit.body as { errcode: string }).errcode, 'M_INVALID_PARAM');
});
