/**
 * How a new event reaches storage on this instance: directly through the persistence controller on the events
 * writer, or (on any other instance) by one replication call to the writer followed by waiting until this
 * instance's view of the events stream has caught up (SEED-BEHAVIOURS.md §2).
 */
import type { RoomEvent } from '../events/roomEvent.ts';
import type { EventContext } from '../state/eventContext.ts';
import type { EventsPersistenceController, PersistedEvent } from './controllers/eventsPersistenceController.ts';

export interface EventPersister {
  /** `builtHere`: fresh from this server's event builder (see EventToQueue); a hint the writer may ignore. */
  persist(event: RoomEvent, context: EventContext, options?: { readonly builtHere?: boolean }): Promise<PersistedEvent>;
}

export class LocalEventPersister implements EventPersister {
  constructor(private readonly controller: EventsPersistenceController) {}

  persist(event: RoomEvent, context: EventContext, options: { readonly builtHere?: boolean } = {}): Promise<PersistedEvent> {
    return this.controller.persistEvent(event, context, options);
  }
}
