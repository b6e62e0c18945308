/**
 * Relations with matrix-js-sdk 43: an edit and a reaction show up as bundled aggregations (`m.replace`) and
 * through /relations; a thread is started and listed by /threads with its summary (`m.thread`); /search finds a
 * message by a word.
 */
import '../../support/sdkRuntime.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, Direction, FeatureSupport, Thread, ThreadFilterType, type MatrixClient } from 'matrix-js-sdk';
import { buildFeatureSupportMap } from 'matrix-js-sdk/lib/feature.js';
import { quietSdkLogger } from '../../support/sdkRuntime.ts';
import { createLoggedInUser, startTestHomeserver, type LoggedInUser, type RunningHomeserver } from '../../support/testHomeserver.ts';

function sdkClient(t: { after(fn: () => void): void }, hs: RunningHomeserver, user: LoggedInUser): MatrixClient {
  const client = createClient({ baseUrl: hs.baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId, logger: quietSdkLogger() });
  t.after(() => client.stopClient());
  return client;
}

type Relations = Record<string, { event_id?: string; count?: number; current_user_participated?: boolean; latest_event?: { event_id: string }; chunk?: unknown[] }>;

test('matrix-js-sdk: an edit and a reaction are aggregated; a thread is listed; search finds a word', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const bob = await createLoggedInUser(hs, 'bob');
  const a = sdkClient(t, hs, alice);
  const b = sdkClient(t, hs, bob);
  // What startClient would learn from /versions (stable threads and relations); these clients do not sync.
  for (const client of [a, b]) client.canSupport = await buildFeatureSupportMap(await client.getVersions());
  // startClient sets this from /versions too (stable thread listing since v1.4).
  Thread.setServerSideListSupport(FeatureSupport.Stable);
  const { room_id: roomId } = await a.createRoom({ preset: 'public_chat' as never, name: 'Relations' });
  await b.joinRoom(roomId);

  const { event_id: original } = await a.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'the first draft of a plan' } as never);
  const { event_id: edit } = await a.sendEvent(roomId, 'm.room.message' as never, {
    msgtype: 'm.text',
    body: '* the final plan',
    'm.new_content': { msgtype: 'm.text', body: 'the final plan' },
    'm.relates_to': { rel_type: 'm.replace', event_id: original },
  } as never);
  const { event_id: reaction } = await b.sendEvent(roomId, 'm.reaction' as never, { 'm.relates_to': { rel_type: 'm.annotation', event_id: original, key: '👍' } } as never);

  const served = await a.fetchRoomEvent(roomId, original);
  const relations = (served.unsigned as { 'm.relations'?: Relations })['m.relations'];
  assert.equal(relations?.['m.replace']?.event_id, edit, 'the edit is bundled');
  const reactions = await a.relations(roomId, original, 'm.annotation', 'm.reaction');
  assert.deepEqual(reactions.events.map((e) => e.getId()), [reaction]);
  assert.equal(reactions.events[0]!.getContent()['m.relates_to']?.key, '👍');

  // A thread: bob replies in a thread on alice's message; the root carries the summary and is listed.
  const { event_id: root } = await a.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'thread root' } as never);
  const { event_id: reply } = await b.sendEvent(roomId, 'm.room.message' as never, {
    msgtype: 'm.text',
    body: 'a reply in the thread',
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  } as never);
  const threads = await b.createThreadListMessagesRequest(roomId, null, 10, Direction.Backward, ThreadFilterType.All);
  assert.deepEqual(threads.chunk.map((e) => e.event_id), [root]);
  const summary = (threads.chunk[0]!.unsigned as { 'm.relations': Relations })['m.relations']['m.thread'];
  assert.equal(summary?.count, 1);
  assert.equal(summary?.latest_event?.event_id, reply);
  assert.equal(summary?.current_user_participated, true);
  const mine = await a.createThreadListMessagesRequest(roomId, null, 10, Direction.Backward, ThreadFilterType.My);
  assert.deepEqual(mine.chunk.map((e) => e.event_id), [root], 'alice started it, so she participated');

  const results = await a.searchRoomEvents({ term: 'plan' });
  const ids = results.results.map((r) => r.context.getEvent().getId());
  assert.ok(ids.includes(original), 'the message is found by a word');
  assert.ok(results.highlights.includes('plan'));
});
