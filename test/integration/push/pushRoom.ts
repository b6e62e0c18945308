/**
 * Rooms and receipts for push tests, built through the server's own event creation handler (the same path HTTP
 * sends take), and read receipts written as rows of `receipts_linearized` the way the receipts stream stores them.
 */
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import type { Homeserver } from '../../../core/homeserver.ts';
import type { SentEvent } from '../../../core/handlers/events/eventCreationHandler.ts';

let roomCounter = 0;

export interface PushRoom {
  readonly roomId: string;
  send(sender: string, type: string, content: JsonObject): Promise<SentEvent>;
  say(sender: string, body: string, extra?: JsonObject): Promise<SentEvent>;
  state(sender: string, type: string, stateKey: string, content: JsonObject): Promise<SentEvent>;
  join(userId: string, content?: JsonObject): Promise<SentEvent>;
}

/** A public room created by `creator` (power 100) that `members` join, with their display names if given. */
export async function createPushRoom(homeserver: Homeserver, creator: string, members: readonly (string | { userId: string; displayName: string })[] = []): Promise<PushRoom> {
  const roomId = `!push${++roomCounter}x${Date.now()}:${homeserver.serverName}`;
  const send = (request: Parameters<Homeserver['eventCreation']['send']>[0]) => homeserver.eventCreation.send(request);
  const state = (sender: string, type: string, stateKey: string, content: JsonObject) => send({ roomId, sender, type, stateKey, content });
  await send({ roomId, sender: creator, type: 'm.room.create', stateKey: '', content: { room_version: '11' }, roomVersion: '11' });
  await state(creator, 'm.room.member', creator, { membership: 'join' });
  await state(creator, 'm.room.power_levels', '', { users: { [creator]: 100 }, users_default: 0, events_default: 0, state_default: 50 });
  await state(creator, 'm.room.join_rules', '', { join_rule: 'public' });
  const join = (userId: string, content: JsonObject = {}) => state(userId, 'm.room.member', userId, { membership: 'join', ...content });
  for (const member of members) {
    if (typeof member === 'string') await join(member);
    else await join(member.userId, { displayname: member.displayName });
  }
  return {
    roomId,
    send: (sender, type, content) => send({ roomId, sender, type, content }),
    say: (sender, body, extra = {}) => send({ roomId, sender, type: 'm.room.message', content: { msgtype: 'm.text', body, ...extra } }),
    state,
    join,
  };
}

/** Writes (or moves) a read receipt of `receiptType`, optionally for a thread, as the receipts stream would. */
export function writeReceipt(homeserver: Homeserver, userId: string, roomId: string, eventId: string, receiptType = 'm.read', threadId: string | null = null): void {
  const stores = homeserver.storage.stores;
  const allocation = stores.streams.receipts.allocate();
  try {
    stores.db.transaction(() => {
      stores.db
        .prepare('DELETE FROM receipts_linearized WHERE room_id = ? AND receipt_type = ? AND user_id = ? AND thread_id IS ?')
        .run(roomId, receiptType, userId, threadId);
      stores.db
        .prepare('INSERT INTO receipts_linearized (stream_id, room_id, receipt_type, user_id, event_id, thread_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(allocation.last, roomId, receiptType, userId, eventId, threadId, JSON.stringify({ ts: Date.now() }));
    })();
  } catch (error) {
    allocation.abort();
    throw error;
  }
  allocation.commit();
}
