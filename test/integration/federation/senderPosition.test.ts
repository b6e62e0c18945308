/**
 * The federation sender's position when local events federate nothing (rooms of local users only): it is saved
 * with the transaction of later events rather than with a commit of its own, and on stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHomeserver, createUser } from '../../support/testHomeserver.ts';

test('a position that federated nothing rides along with the next events and is saved on stop', async (t) => {
  const running = await startTestHomeserver(t);
  const hs = running.homeserver;
  const userId = await createUser(running, 'alice');
  const session = hs.handlers.tokens.createSession(userId, null, null);
  const requester = await hs.handlers.tokens.authenticate(session.accessToken);
  const { room_id: roomId } = await hs.handlers.roomCreation.createRoom(requester, { preset: 'private_chat' });
  const send = (txnId: string) => hs.handlers.roomEvents.sendMessage(requester, roomId, 'm.room.message', { msgtype: 'm.text', body: txnId }, txnId);
  const outbox = hs.federation!.outbox;

  const first = await send('t1');
  const second = await send('t2');
  // The second message's transaction carried the position the first one left unsaved.
  assert.ok((outbox.senderPosition() ?? 0) >= first.streamOrdering);
  assert.deepEqual(outbox.countsByDestination(), [], 'nothing was queued for other servers');

  await hs.federation!.stop();
  assert.equal(outbox.senderPosition(), second.streamOrdering);
});
