/**
 * End to end with a real client: matrix-js-sdk 43 syncs against the server (filter upload, initial sync,
 * long-polling incremental syncs), sees a room's history, and receives a message another user sends as a live
 * `RoomEvent.Timeline`; its own message comes back once, matched to its local echo by transaction ID.
 */
import { quietSdkLogger } from '../../support/sdkRuntime.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientEvent, RoomEvent, createClient, type MatrixClient, type MatrixEvent, type Room } from 'matrix-js-sdk';
import { createRoom, join, message, twoUsers, type RunningHomeserver } from './syncTestKit.ts';

function waitFor<T>(register: (resolve: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const stop = register((value) => {
      stop();
      resolve(value);
    });
  });
}

test('matrix-js-sdk syncs and receives a message from another user live', { timeout: 60_000 }, async (t) => {
  const { hs, alice, bob } = await twoUsers(t);
  const roomId = await createRoom(hs, alice.userId, { name: 'SDK room' });
  await join(hs, roomId, bob.userId);
  await message(hs, roomId, alice.userId, 'history');

  const client: MatrixClient = createClient({ baseUrl: hs.baseUrl, accessToken: bob.accessToken, userId: bob.userId, deviceId: bob.deviceId, logger: quietSdkLogger() });
  try {
    await exercise(client, hs, roomId, alice.userId);
  } finally {
    // Before the server stops (t.after), so the client does not retry against a closed port.
    client.stopClient();
  }
});

async function exercise(client: MatrixClient, hs: RunningHomeserver, roomId: string, aliceId: string): Promise<void> {
  const prepared = waitFor<void>((resolve) => {
    const listener = (state: string) => {
      if (state === 'PREPARED') resolve();
    };
    client.on(ClientEvent.Sync, listener);
    return () => client.off(ClientEvent.Sync, listener);
  });
  await client.startClient({ initialSyncLimit: 10 });
  await prepared;

  const room = client.getRoom(roomId);
  assert.ok(room, 'the joined room is known after the initial sync');
  assert.equal(room.name, 'SDK room');
  assert.ok(
    room.getLiveTimeline().getEvents().some((e) => e.getContent().body === 'history'),
    'the room history came with the initial sync',
  );
  assert.equal(room.getJoinedMemberCount(), 2);

  const live = waitFor<MatrixEvent>((resolve) => {
    const listener = (event: MatrixEvent, eventRoom: Room | undefined, toStartOfTimeline: boolean | undefined) => {
      if (eventRoom?.roomId === roomId && !toStartOfTimeline && event.getContent().body === 'hello bob') resolve(event);
    };
    client.on(RoomEvent.Timeline, listener);
    return () => client.off(RoomEvent.Timeline, listener);
  });
  const sentId = await message(hs, roomId, aliceId, 'hello bob');
  const received = await live;
  assert.equal(received.getId(), sentId);
  assert.equal(received.getSender(), aliceId);

  // Bob's own message: sent through the client, it comes back through /sync once, replacing its local echo
  // (matched by the transaction ID the server returns in `unsigned`).
  const { event_id: ownId } = await client.sendTextMessage(roomId, 'hi alice');
  while (!room.getLiveTimeline().getEvents().some((e) => e.getId() === ownId && e.status === null)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const copies = room.getLiveTimeline().getEvents().filter((e) => e.getContent().body === 'hi alice');
  assert.equal(copies.length, 1);
  assert.equal(copies[0]!.getId(), ownId);
}
