/**
 * Feeds the notifier from the events stream. On the events writer, each committed batch
 * (`EventsPersistenceController.onPersisted`) notifies its room and the users whose membership it changes (an
 * invite or a kick reaches someone not listening on the room) once the events stream position has reached the
 * batch: positions are allocated per batch and can commit out of order, and a waiter must never be woken for a
 * position it cannot read yet. On other instances only the stream position is known, so every waiter is told
 * when it advances and works out for itself whether anything concerns it.
 */
import type { EventsPersistenceController, PersistedBatch } from '../storage/controllers/eventsPersistenceController.ts';
import type { StreamPosition } from './streamPosition.ts';
import type { Notifier } from './notifier.ts';

export const EVENTS_STREAM = 'events';

interface PendingBatch {
  readonly position: number;
  readonly roomId: string;
  readonly userIds: readonly string[];
}

/** Connects the events stream to the notifier; returns a function that disconnects it. */
export function notifyOnNewEvents(notifier: Notifier, events: StreamPosition, persistence: EventsPersistenceController | null): () => void {
  if (!persistence) return events.onAdvance((position) => notifier.notifyAll(EVENTS_STREAM, position));

  let pending: PendingBatch[] = [];
  const send = (batch: PendingBatch) => {
    notifier.notifyRoom(EVENTS_STREAM, batch.position, batch.roomId);
    notifier.notifyUsers(EVENTS_STREAM, batch.position, batch.userIds);
  };
  const stopPersisted = persistence.onPersisted((batch: PersistedBatch) => {
    const entry: PendingBatch = { position: batch.maxStreamOrdering, roomId: batch.roomId, userIds: membershipTargets(batch) };
    if (entry.position <= events.current()) send(entry);
    else pending.push(entry);
  });
  const stopAdvance = events.onAdvance((position) => {
    if (pending.length === 0) return;
    const ready = pending.filter((p) => p.position <= position);
    if (ready.length === 0) return;
    pending = pending.filter((p) => p.position > position);
    for (const entry of ready) send(entry);
  });
  return () => {
    stopPersisted();
    stopAdvance();
  };
}

function membershipTargets(batch: PersistedBatch): string[] {
  const users = new Set<string>();
  for (const { event } of batch.events) if (event.type === 'm.room.member' && event.stateKey !== null) users.add(event.stateKey);
  return [...users];
}
