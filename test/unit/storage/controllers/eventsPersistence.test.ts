import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageFixture } from '../../../support/storageFixture.ts';
import { stateKey } from '../../../../core/state/stateMap.ts';

test('creating a room persists its events, current state, extremities and memberships', async (t) => {
  const fx = openStorageFixture(t);
  const roomId = await fx.createRoom('@alice:hs.test');
  const { stores } = fx.storage;
  const state = await stores.roomState.getCurrentStateIds(roomId);
  assert.deepEqual([...state.keys()].sort(), [
    stateKey('m.room.create', ''),
    stateKey('m.room.join_rules', ''),
    stateKey('m.room.member', '@alice:hs.test'),
    stateKey('m.room.power_levels', ''),
  ].sort());
  const msg = await fx.message(roomId, '@alice:hs.test', 'hello');
  assert.deepEqual(await stores.events.getLatestEventIdsInRoom(roomId), [msg.event.eventId]);
  assert.equal(msg.event.depth, 5);
  assert.deepEqual(await stores.members.getUsersInRoom(roomId), ['@alice:hs.test']);
  assert.deepEqual(await stores.members.getRoomsForUser('@alice:hs.test'), [roomId]);
  assert.equal(await stores.members.isHostJoined(roomId, 'hs.test'), true);
  assert.equal(await stores.members.isHostJoined(roomId, 'other.test'), false);
  assert.equal(await stores.events.getRoomVersionId(roomId), '11');
  const stored = await stores.events.getEvent(msg.event.eventId);
  assert.equal(stored?.event.content.body, 'hello');
  assert.equal(stored?.streamOrdering, msg.streamOrdering);
  assert.equal(stores.streams.events.getCurrentToken(), msg.streamOrdering);
});
