/** The notifier: who is woken by what, news recorded while a waiter computes, timeouts, shutdown, and the events bridge. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Notifier } from '../../../core/replication/notifier.ts';
import { notifyOnNewEvents } from '../../../core/replication/eventNotifications.ts';
import { TrackedStreamPosition } from '../../../core/replication/streamPosition.ts';
import type { EventsPersistenceController, PersistListener, PersistedBatch } from '../../../core/storage/controllers/eventsPersistenceController.ts';
import type { RoomEvent } from '../../../core/events/roomEvent.ts';

test('room news reaches listeners of the room, user news the user, global news everyone', async () => {
  const notifier = new Notifier();
  const alice = notifier.listen('@alice:x', ['!a:x']);
  const bob = notifier.listen('@bob:x', ['!b:x']);
  notifier.notifyRoom('events', 5, '!a:x');
  assert.deepEqual([alice.hasNewsBeyond({ events: 4 }), bob.hasNewsBeyond({ events: 4 })], [true, false]);
  notifier.notifyUsers('account_data', 2, ['@bob:x']);
  const covered = { events: 5, account_data: 1 };
  assert.deepEqual([alice.hasNewsBeyond(covered), bob.hasNewsBeyond(covered)], [false, true]);
  notifier.notifyAll('presence', 9);
  assert.ok(alice.hasNewsBeyond({ ...covered, presence: 8 }) && bob.hasNewsBeyond({ ...covered, account_data: 2, presence: 8 }));
  alice.close();
  bob.close();
  assert.equal(notifier.listenerCount, 0);
});

test('news at or below the covered position is not news; streams a waiter does not track always are', () => {
  const notifier = new Notifier();
  const listener = notifier.listen('@a:x', []);
  notifier.notifyUsers('receipts', 3, ['@a:x']);
  assert.equal(listener.hasNewsBeyond({ receipts: 3 }), false);
  assert.equal(listener.hasNewsBeyond({ receipts: 2 }), true);
  notifier.notifyUsers('to_device', 1, ['@a:x']);
  assert.equal(listener.hasNewsBeyond({ receipts: 3 }), true, 'an untracked stream');
  listener.close();
});

test('news that arrived before the wait resolves it at once; later news wakes it; silence times out', async () => {
  const notifier = new Notifier();
  const early = notifier.listen('@a:x', ['!r:x']);
  notifier.notifyRoom('typing', 1, '!r:x');
  assert.equal(await early.waitBeyond({ typing: 0 }, 60_000), true);
  early.close();

  const later = notifier.listen('@a:x', ['!r:x']);
  const waiting = later.waitBeyond({ typing: 1 }, 60_000);
  notifier.notifyRoom('typing', 1, '!r:x'); // not beyond: keeps waiting
  setImmediate(() => notifier.notifyRoom('typing', 2, '!r:x'));
  assert.equal(await waiting, true);
  later.close();

  const quiet = notifier.listen('@a:x', []);
  assert.equal(await quiet.waitBeyond({ typing: 5 }, 10), false);
  quiet.close();
});

test('shutdown and a client going away end waits; observers see every notification', async () => {
  const shutdown = new AbortController();
  const notifier = new Notifier(shutdown.signal);
  const seen: string[] = [];
  notifier.observeAll((n) => seen.push(`${n.stream}@${n.position}`));
  const gone = new AbortController();
  const byClient = notifier.listen('@a:x', []).waitBeyond({}, 60_000, gone.signal);
  gone.abort();
  assert.equal(await byClient, false);
  const byShutdown = notifier.listen('@a:x', []).waitBeyond({}, 60_000);
  shutdown.abort();
  assert.equal(await byShutdown, false);
  notifier.notifyAll('events', 1);
  notifier.notifyRoom('receipts', 2, '!r:x');
  assert.deepEqual(seen, ['events@1', 'receipts@2']);
});

/** Only the listener registration of the persistence controller, which is all the bridge uses. */
function persistedListeners(): { controller: EventsPersistenceController; emit(batch: PersistedBatch): void } {
  const listeners = new Set<PersistListener>();
  const controller = {
    onPersisted(listener: PersistListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as EventsPersistenceController;
  return { controller, emit: (batch) => listeners.forEach((l) => l(batch)) };
}

function batch(roomId: string, position: number, memberOf?: string): PersistedBatch {
  const event = { type: memberOf ? 'm.room.member' : 'm.room.message', stateKey: memberOf ?? null } as unknown as RoomEvent;
  return { roomId, events: [{ event, streamOrdering: position, context: { stateGroupBefore: null, stateGroupAfter: null, rejectedReason: null } }], maxStreamOrdering: position, currentStateDelta: null };
}

test('on the writer, a batch is announced only once the events position reaches it, with its room and member targets', () => {
  const notifier = new Notifier();
  const position = new TrackedStreamPosition(4);
  const { controller, emit } = persistedListeners();
  notifyOnNewEvents(notifier, position, controller);
  const heard: string[] = [];
  notifier.observeAll((n) => heard.push(`${n.roomId ?? n.userIds?.join()}@${n.position}`));

  // Position 6 commits before 5: it waits until 5 is done too.
  emit(batch('!b:x', 6, '@invitee:x'));
  assert.deepEqual(heard, []);
  position.advanceTo(5);
  emit(batch('!a:x', 5));
  assert.deepEqual(heard, ['!a:x@5']);
  position.advanceTo(6);
  assert.deepEqual(heard, ['!a:x@5', '!b:x@6', '@invitee:x@6']);
});

test('on other instances every advance of the events position is news for everyone', () => {
  const notifier = new Notifier();
  const position = new TrackedStreamPosition(0);
  notifyOnNewEvents(notifier, position, null);
  const listener = notifier.listen('@a:x', []);
  position.advanceTo(3);
  assert.equal(listener.hasNewsBeyond({ events: 2 }), true);
  listener.close();
});
