/**
 * Builds large rooms for benchmarks quickly: a line of pre-built events (each one's prev event is the one before
 * it) is persisted through the events persistence controller in batches, with contexts computed by the state
 * controller (`contextFor`) from the state the previous event left, kept in memory. The state groups of a batch
 * are stored in one transaction instead of one commit each, which is what makes thousands of state events cheap.
 */
import type { RoomEvent } from '../core/events/roomEvent.ts';
import type { EventContext } from '../core/state/eventContext.ts';
import type { Storage } from '../core/storage/storage.ts';
import type { StateBefore } from '../core/storage/controllers/stateController.ts';
import { MAX_EVENTS_PER_BATCH } from '../core/storage/controllers/eventsPersistenceController.ts';

/** Persists `events` in order, starting from the state `before` the first; returns the state after the last. */
export async function persistLine(storage: Storage, events: readonly RoomEvent[], before: StateBefore, batchSize = MAX_EVENTS_PER_BATCH): Promise<StateBefore> {
  const controller = storage.persistence;
  if (!controller) throw new Error('persistLine needs the events writer');
  let current = before;
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize);
    const items = storage.stores.db.transaction(() =>
      batch.map((event, j): { event: RoomEvent; context: EventContext } => {
        const context = storage.stateController.contextFor(event, current, null);
        current = { state: context.stateAfter!, group: context.stateGroupAfter };
        // The controller reads the state after the batch's last event only (the new forward extremity).
        if (j === batch.length - 1) return { event, context };
        const { stateAfter: _unused, ...withoutState } = context;
        return { event, context: withoutState };
      }),
    )();
    await controller.persistEvents(items);
  }
  return current;
}
