/** Live updates over server-sent events: new events, device-list changes and health ticks; the stream ends with the server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveUpdate } from '../../../core/http/admin/adminApiTypes.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { createLoggedInUser } from '../../support/testHomeserver.ts';
import { e2eeUser, uploadDeviceKeys } from '../keys/e2eeTestKit.ts';
import { startAdminTestServer } from './adminTestKit.ts';

/** Reads server-sent events from a response; `next(predicate)` waits for the first matching update. */
function liveReader(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const queue: LiveUpdate[] = [];
  let ended = false;
  async function fill(): Promise<void> {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return;
    }
    buffer += value;
    const blocks = buffer.split('\n\n');
    buffer = blocks.pop()!;
    for (const block of blocks) {
      const data = block.split('\n').find((line) => line.startsWith('data: '));
      if (data) {
        const update = JSON.parse(data.slice(6)) as LiveUpdate;
        assert.ok(block.includes(`event: ${update.type}`), 'the event field names the update type');
        queue.push(update);
      }
    }
  }
  return {
    async next<T extends LiveUpdate>(predicate: (u: LiveUpdate) => u is T): Promise<T> {
      for (;;) {
        const index = queue.findIndex(predicate);
        if (index >= 0) return queue.splice(index, 1)[0] as T;
        if (ended) throw new Error('the stream ended');
        await fill();
      }
    },
    async ended(): Promise<boolean> {
      while (!ended) await fill();
      return true;
    },
  };
}

test('live updates: room events, device-list changes and health ticks arrive as server-sent events', async (t) => {
  const server = await startAdminTestServer(t);
  const response = await fetch(`${server.baseUrl}/_desktop/api/live`, { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
  const live = liveReader(response);
  const first = await live.next((u): u is Extract<LiveUpdate, { type: 'health' }> => u.type === 'health');
  assert.equal(first.tick.counts.rooms, 0);

  const alice = new ClientApi(server.baseUrl, await createLoggedInUser(server, 'alice'));
  const roomId = await alice.createRoom({ name: 'Live' });
  await alice.text(roomId, 'hello');
  const roomUpdate = await live.next((u): u is Extract<LiveUpdate, { type: 'room_events' }> => u.type === 'room_events' && u.room_ids.includes(roomId));
  assert.ok(roomUpdate.position > 0);

  const bob = await e2eeUser(server, 'bob');
  await uploadDeviceKeys(bob);
  const deviceUpdate = await live.next((u): u is Extract<LiveUpdate, { type: 'device_lists' }> => u.type === 'device_lists' && u.user_ids.includes(bob.user.userId));
  assert.equal(deviceUpdate.position, server.homeserver.storage.stores.streams.deviceLists.getCurrentToken());

  // Health ticks follow the sampler, with the counts of the moment.
  server.homeserver.admin.sampler.sample();
  const tick = await live.next((u): u is Extract<LiveUpdate, { type: 'health' }> => u.type === 'health' && u.tick.counts.users === 2);
  assert.equal(tick.tick.counts.users, 2);
  assert.equal(tick.tick.stream_positions.events, server.homeserver.eventsPosition.current());

  // Stopping the server ends the stream (it does not hold shutdown open).
  await server.homeserver.stop();
  assert.ok(await live.ended());
});
