/** `POST /search` over HTTP, validated against the spec: rank and recent order, paging, context with profiles, filters, groups, state, visibility, bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';

type Result = { rank: number; result: { event_id: string; room_id: string; content: { body?: string } }; context?: { events_before: unknown[]; events_after: unknown[]; profile_info?: Record<string, { displayname?: string }>; start: string; end: string } };
type RoomEvents = { count: number; highlights: string[]; results: Result[]; next_batch?: string; groups?: Record<string, Record<string, { results: string[] }>>; state?: Record<string, unknown[]> };

test('search: words, order, paging, context, filters, groups and visibility', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  await alice.ok('PUT', `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`, { displayname: 'Alice A.' });
  const roomA = await alice.createRoom({ name: 'Gardening club', topic: 'Tomatoes and more' });
  const roomB = await alice.createRoom({});
  const secret = await bob.createRoom({});
  const search = (body: Record<string, unknown>, query = '') => alice.ok<{ search_categories: { room_events: RoomEvents } }>('POST', `/_matrix/client/v3/search${query}`, { search_categories: { room_events: body } });

  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push(await alice.text(roomA, `tomato harvest number ${i}`));
  const inB = await alice.text(roomB, 'Tomatoes everywhere, tomato soup');
  await bob.text(secret, 'tomato secret plans');
  await alice.text(roomA, 'nothing relevant here');

  const ranked = (await search({ search_term: 'tomato' })).search_categories.room_events;
  assert.equal(ranked.results.length, 9, 'the messages plus the room topic (stemmed: tomatoes)');
  assert.ok(!ranked.results.some((r) => r.result.content.body === 'tomato secret plans'), "bob's room is not searched");
  assert.ok(ranked.highlights.includes('tomato'));
  assert.ok(ranked.results.every((r, i) => i === 0 || r.rank <= ranked.results[i - 1]!.rank), 'best rank first');

  // Most recent first, paged three at a time, every match exactly once.
  const seen: string[] = [];
  let batch: string | undefined;
  for (let i = 0; i < 5; i++) {
    const page = (await search({ search_term: 'harvest', order_by: 'recent', filter: { limit: 3 } }, batch ? `?next_batch=${encodeURIComponent(batch)}` : '')).search_categories.room_events;
    seen.push(...page.results.map((r) => r.result.event_id));
    batch = page.next_batch;
    if (!batch) break;
  }
  assert.deepEqual(seen, ids.slice().reverse());

  const filtered = (await search({ search_term: 'tomato', filter: { rooms: [roomB] }, keys: ['content.body'] })).search_categories.room_events;
  assert.deepEqual(filtered.results.map((r) => r.result.event_id), [inB]);
  const topics = (await search({ search_term: 'tomatoes', keys: ['content.topic'] })).search_categories.room_events;
  assert.equal(topics.results.length, 1);
  assert.equal(topics.results[0]!.result.room_id, roomA);

  const withContext = (await search({ search_term: 'number 3', event_context: { before_limit: 1, after_limit: 2, include_profile: true }, include_state: true, groupings: { group_by: [{ key: 'room_id' }] } }))
    .search_categories.room_events;
  const hit = withContext.results.find((r) => r.result.event_id === ids[3])!;
  assert.equal(hit.context!.events_before.length, 1);
  assert.equal(hit.context!.events_after.length, 2);
  assert.equal(hit.context!.profile_info?.[alice.userId]?.displayname, 'Alice A.');
  assert.ok(withContext.state?.[roomA]?.length);
  assert.ok(withContext.groups?.room_id?.[roomA]?.results.includes(ids[3]!));

  assert.equal((await search({ search_term: '!!!' })).search_categories.room_events.count, 0);
  assert.deepEqual(await alice.ok('POST', '/_matrix/client/v3/search', { search_categories: {} }), { search_categories: {} });
});

test('search bad input: missing or wrong fields, bad tokens, FTS syntax in the term', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const room = await alice.createRoom({});
  await alice.text(room, 'quoted "words" and NEAR(stuff) OR not');
  const post = (body: unknown, status: number, errcode: string, query = '') => alice.fails('POST', `/_matrix/client/v3/search${query}`, body, status, errcode);
  await post({}, 400, 'M_MISSING_PARAM');
  await post({ search_categories: { room_events: {} } }, 400, 'M_MISSING_PARAM');
  await post({ search_categories: { room_events: { search_term: 5 } } }, 400, 'M_BAD_JSON');
  await post({ search_categories: { room_events: { search_term: 'x', order_by: 'best' } } }, 400, 'M_BAD_JSON');
  await post({ search_categories: { room_events: { search_term: 'x', keys: ['content.url'] } } }, 400, 'M_BAD_JSON');
  await post({ search_categories: { room_events: { search_term: 'x', filter: { rooms: 'all' } } } }, 400, 'M_BAD_JSON');
  await post({ search_categories: { room_events: { search_term: 'x', event_context: { before_limit: -1 } } } }, 400, 'M_BAD_JSON');
  await post({ search_categories: { room_events: { search_term: 'x' } } }, 400, 'M_INVALID_PARAM', '?next_batch=recent:5');
  await post({ search_categories: { room_events: { search_term: 'x' } } }, 400, 'M_INVALID_PARAM', '?next_batch=%27%20OR%201%3D1');
  for (const term of ['"words', 'NEAR(stuff', 'OR', 'body:quoted', '*', '^near']) {
    const res = await alice.ok<{ search_categories: { room_events: RoomEvents } }>('POST', '/_matrix/client/v3/search', { search_categories: { room_events: { search_term: term } } });
    assert.ok(Array.isArray(res.search_categories.room_events.results), term);
  }
});

test('search count is the number of results the search has: filters and history visibility applied, the same on every page', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const room = await bob.createRoom({ preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }] });
  // Before alice joins: matches she may not see.
  for (let i = 0; i < 4; i++) await bob.text(room, `kiwi before ${i}`);
  await alice.join(room);
  for (let i = 0; i < 3; i++) await bob.text(room, `kiwi from bob ${i}`);
  for (let i = 0; i < 2; i++) await alice.text(room, `kiwi from alice ${i}`);
  // A room whose history members always see (counted in SQL).
  const open = await bob.createRoom({ preset: 'public_chat' });
  await alice.join(open);
  for (let i = 0; i < 2; i++) await bob.text(open, `kiwi in the open ${i}`);
  await alice.text(open, 'kiwi in the open from alice');
  const search = async (body: Record<string, unknown>, batch?: string) =>
    (await alice.ok<{ search_categories: { room_events: RoomEvents } }>('POST', `/_matrix/client/v3/search${batch ? `?next_batch=${encodeURIComponent(batch)}` : ''}`, { search_categories: { room_events: { search_term: 'kiwi', ...body } } }))
      .search_categories.room_events;

  const all = await search({});
  assert.equal(all.results.length, 8);
  assert.equal(all.count, 8, 'the four messages from before the join are not counted');
  assert.equal((await search({ filter: { senders: [bob.userId] } })).count, 5);
  assert.equal((await search({ filter: { not_senders: [bob.userId] } })).count, 3);
  assert.equal((await search({ filter: { rooms: [open], senders: [alice.userId] } })).count, 1);
  assert.equal((await search({ filter: { types: ['m.room.message'], not_senders: [alice.userId] } })).count, 5);
  // Paged two at a time in either order, every page tells the same total.
  for (const order_by of ['rank', 'recent']) {
    const counts: number[] = [];
    let batch: string | undefined;
    let seen = 0;
    do {
      const page = await search({ order_by, filter: { limit: 2 } }, batch);
      counts.push(page.count);
      seen += page.results.length;
      batch = page.next_batch;
    } while (batch);
    assert.equal(seen, 8, order_by);
    assert.deepEqual(new Set(counts), new Set([8]), order_by);
  }
  // Bob sees everything.
  const bobs = (await bob.ok<{ search_categories: { room_events: RoomEvents } }>('POST', '/_matrix/client/v3/search', { search_categories: { room_events: { search_term: 'kiwi' } } })).search_categories.room_events;
  assert.equal(bobs.count, 12);
});

test('search: a redacted message is no longer found, and other messages stay findable', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const room = await alice.createRoom({});
  const doomed = await alice.text(room, 'pumpkin pie recipe');
  const kept = await alice.text(room, 'pumpkin soup recipe');
  const search = async (term: string) =>
    (await alice.ok<{ search_categories: { room_events: RoomEvents } }>('POST', '/_matrix/client/v3/search', { search_categories: { room_events: { search_term: term } } })).search_categories.room_events;
  assert.deepEqual(new Set((await search('pumpkin')).results.map((r) => r.result.event_id)), new Set([doomed, kept]));
  await alice.ok('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/redact/${encodeURIComponent(doomed)}/r1`, { reason: 'oops' });
  assert.deepEqual((await search('pumpkin')).results.map((r) => r.result.event_id), [kept]);
  assert.equal((await search('pie')).count, 0);
  assert.equal((await search('soup')).count, 1);
});
