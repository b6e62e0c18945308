/**
 * /relations, /threads and bundled aggregations over HTTP, validated against the spec: filters by relation and
 * event type, recursion, paging, references, duplicate reactions refused (M_DUPLICATE_ANNOTATION), redacted
 * relations dropped, aggregations in /messages, /context and /sync, and what users outside a room get.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';

type Event = { event_id: string; type: string; content: Record<string, unknown>; unsigned?: { 'm.relations'?: Record<string, Record<string, unknown>> } };
type Page = { chunk: Event[]; next_batch?: string; prev_batch?: string; recursion_depth?: number };

async function setup(t: Parameters<typeof startTestHomeserver>[0]) {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const eve = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'eve'));
  const roomId = await alice.createRoom({ preset: 'public_chat' });
  await bob.join(roomId);
  return { hs, alice, bob, eve, roomId };
}

const react = (client: ClientApi, roomId: string, target: string, key: string) => client.send(roomId, { 'm.relates_to': { rel_type: 'm.annotation', event_id: target, key } }, 'm.reaction');

test('relations: by type and event type, paged, recursive, with references and edits bundled', async (t) => {
  const { alice, bob, roomId } = await setup(t);
  const rel = (eventId: string, suffix = '', query = '') => `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(eventId)}${suffix}${query}`;
  const parent = await alice.text(roomId, 'parent');
  const reactions = [await react(alice, roomId, parent, '👍'), await react(bob, roomId, parent, '👍'), await react(bob, roomId, parent, '🎉')];
  const reference = await bob.send(roomId, { msgtype: 'm.text', body: 'see above', 'm.relates_to': { rel_type: 'm.reference', event_id: parent } });
  const threadReply = await bob.send(roomId, { msgtype: 'm.text', body: 'in thread', 'm.relates_to': { rel_type: 'm.thread', event_id: parent } });
  // A reaction to the thread reply relates to the parent only indirectly.
  const nested = await react(alice, roomId, threadReply, '❤️');

  const all = await alice.ok<Page>('GET', rel(parent));
  assert.equal(all.chunk.length, 5, 'default limit 5, newest first');
  assert.deepEqual(all.chunk.map((e) => e.event_id), [threadReply, reference, ...reactions.slice().reverse()]);
  const annotations = await alice.ok<Page>('GET', rel(parent, '/m.annotation'));
  assert.deepEqual(annotations.chunk.map((e) => e.event_id), reactions.slice().reverse());
  assert.equal((await alice.ok<Page>('GET', rel(parent, '/m.annotation/m.room.message'))).chunk.length, 0);

  // Paging forward two at a time visits every reaction once.
  const seen: string[] = [];
  let from: string | undefined;
  let previous: string | undefined;
  for (let page = 0; page < 5; page++) {
    const result = await alice.ok<Page>('GET', rel(parent, '/m.annotation', `?dir=f&limit=2${from ? `&from=${enc(from)}` : ''}`));
    if (from) assert.equal(result.prev_batch, from);
    else assert.equal(result.prev_batch, undefined);
    seen.push(...result.chunk.map((e) => e.event_id));
    previous = from;
    from = result.next_batch;
    if (!from) break;
  }
  assert.ok(previous !== undefined);
  assert.deepEqual(seen, reactions);

  const recursive = await alice.ok<Page>('GET', rel(parent, '/m.annotation', '?recurse=true&limit=10'));
  assert.equal(recursive.recursion_depth, 3);
  assert.ok(recursive.chunk.some((e) => e.event_id === nested));
  assert.equal((await alice.ok<Page>('GET', rel(parent, '/m.annotation', '?recurse=false&limit=10'))).recursion_depth, 1);
  assert.equal((await alice.ok<Page>('GET', rel(parent, '/m.annotation', '?limit=10'))).recursion_depth, undefined);

  // Bundled: references and the thread summary on the parent; annotations are not bundled.
  const served = await alice.ok<Event>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(parent)}`);
  const bundled = served.unsigned?.['m.relations'];
  assert.deepEqual(bundled?.['m.reference'], { chunk: [{ event_id: reference }] });
  assert.equal(bundled?.['m.thread']?.count, 1);
  assert.equal((bundled?.['m.thread']?.latest_event as Event).event_id, threadReply);
  assert.equal(bundled?.['m.thread']?.current_user_participated, true);
  assert.equal(bundled?.['m.annotation'], undefined);

  // Edits: only the sender's, of the same type; the latest wins.
  const message = await alice.text(roomId, 'typo');
  const editBody = (body: string) => ({ msgtype: 'm.text', body: `* ${body}`, 'm.new_content': { msgtype: 'm.text', body }, 'm.relates_to': { rel_type: 'm.replace', event_id: message } });
  await alice.send(roomId, editBody('fixed once'));
  const lastEdit = await alice.send(roomId, editBody('fixed twice'));
  await bob.send(roomId, editBody('bob may not edit alice'));
  const messages = await alice.messages(roomId, { dir: 'b', limit: 10 });
  const original = (messages.chunk as Event[]).find((e) => e.event_id === message)!;
  assert.equal((original.unsigned?.['m.relations']?.['m.replace'] as Event).event_id, lastEdit);
  const context = await alice.ok<{ event: Event }>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(message)}?limit=2`);
  assert.equal((context.event.unsigned?.['m.relations']?.['m.replace'] as Event).event_id, lastEdit);
  const sync = await alice.ok<{ rooms: { join: Record<string, { timeline: { events: Event[] } }> } }>('GET', '/_matrix/client/v3/sync');
  const inSync = sync.rooms.join[roomId]!.timeline.events.find((e) => e.event_id === message);
  if (inSync) assert.equal((inSync.unsigned?.['m.relations']?.['m.replace'] as Event).event_id, lastEdit);
});

test('reactions: a duplicate is refused, a retried send is not, a redacted reaction is gone', async (t) => {
  const { alice, bob, roomId } = await setup(t);
  const parent = await alice.text(roomId, 'react to me');
  const content = { 'm.relates_to': { rel_type: 'm.annotation', event_id: parent, key: '👍' } };
  const first = await bob.send(roomId, content, 'm.reaction', 'txn-react');
  assert.equal(await bob.send(roomId, content, 'm.reaction', 'txn-react'), first, 'the same transaction returns the first event');
  await bob.fails('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.reaction/txn-again`, content, 400, 'M_DUPLICATE_ANNOTATION');
  await alice.send(roomId, content, 'm.reaction');
  await bob.ok('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(first)}/r1`, {});
  const left = await alice.ok<Page>('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}/m.annotation`);
  assert.equal(left.chunk.length, 1);
  // Redacted, the reaction can be given again.
  await bob.send(roomId, content, 'm.reaction');
});

test('threads: all and participated, paged by latest activity', async (t) => {
  const { alice, bob, eve, roomId } = await setup(t);
  const threads = (client: ClientApi, query = '') => client.ok<Page>('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/threads${query}`);
  const reply = (client: ClientApi, root: string, body: string) => client.send(roomId, { msgtype: 'm.text', body, 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
  const rootA = await alice.text(roomId, 'A');
  const rootB = await bob.text(roomId, 'B');
  const rootC = await bob.text(roomId, 'C');
  await reply(bob, rootA, 'a1');
  await reply(bob, rootB, 'b1');
  await reply(bob, rootC, 'c1');
  await reply(alice, rootA, 'a2'); // A is now the most recently active
  assert.deepEqual((await threads(alice)).chunk.map((e) => e.event_id), [rootA, rootC, rootB]);
  assert.deepEqual((await threads(alice, '?include=participated')).chunk.map((e) => e.event_id), [rootA]);
  assert.deepEqual((await threads(bob, '?include=participated')).chunk.map((e) => e.event_id), [rootA, rootC, rootB]);
  const first = await threads(alice, '?limit=2');
  assert.equal(first.chunk.length, 2);
  const second = await threads(alice, `?limit=2&from=${enc(first.next_batch!)}`);
  assert.deepEqual(second.chunk.map((e) => e.event_id), [rootB]);
  assert.equal(second.next_batch, undefined);
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/threads?include=mine`, undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/threads?from=garbage`, undefined, 400, 'M_INVALID_PARAM');

  // Eve is not in the (not world-readable) room: nothing about it.
  await eve.fails('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/threads`, undefined, 404, 'M_NOT_FOUND');
  await eve.fails('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(rootA)}`, undefined, 404, 'M_NOT_FOUND');
});

test('relations bad input: unknown events, other rooms, bad parameters', async (t) => {
  const { alice, roomId } = await setup(t);
  const other = await alice.createRoom({});
  const elsewhere = await alice.text(other, 'elsewhere');
  const base = `/_matrix/client/v1/rooms/${enc(roomId)}/relations`;
  await alice.fails('GET', `${base}/${enc('$nope:hs.test')}`, undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', `${base}/not-an-event-id`, undefined, 404, 'M_NOT_FOUND');
  await alice.fails('GET', `${base}/${enc(elsewhere)}`, undefined, 404, 'M_NOT_FOUND');
  const parent = await alice.text(roomId, 'p');
  await alice.fails('GET', `${base}/${enc(parent)}?dir=sideways`, undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', `${base}/${enc(parent)}?limit=ten`, undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', `${base}/${enc(parent)}?recurse=perhaps`, undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', `${base}/${enc(parent)}?from=%27%3B%20DROP`, undefined, 400, 'M_INVALID_PARAM');
  await alice.fails('GET', `/_matrix/client/v1/rooms/not-a-room/relations/${enc(parent)}`, undefined, 400, 'M_INVALID_PARAM');
});
