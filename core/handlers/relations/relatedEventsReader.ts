/**
 * What relation endpoints share: the parent (or thread root) an endpoint is asked about must be an event of the
 * room the user may see, and related events are served only when the user may see them too (a former member
 * sees nothing after their leave). Anything the user may not see is "not found", as the spec asks.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import { MatrixError } from '../matrixError.ts';
import { RoomAccessChecker, type RoomAccess } from '../rooms/roomAccess.ts';

export class RelatedEventsReader {
  private readonly access: RoomAccessChecker;

  constructor(
    private readonly stores: DataStores,
    private readonly visibility: VisibilityFilter,
  ) {
    this.access = new RoomAccessChecker(stores);
  }

  /** The user's access to the room, with every refusal answered 404 (the room's existence is not revealed). */
  async accessTo(userId: string, roomId: string): Promise<RoomAccess> {
    try {
      return await this.access.check(userId, roomId);
    } catch (error) {
      if (error instanceof MatrixError && error.status === 403) throw MatrixError.notFound('Event not found.');
      throw error;
    }
  }

  /** The parent event, if the user may see it. */
  async visibleParent(userId: string, roomId: string, eventId: string, access: RoomAccess): Promise<StoredEvent> {
    const notFound = MatrixError.notFound('Event not found.');
    const stored = await this.stores.events.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId || stored.outlier || stored.rejectedReason !== null) throw notFound;
    const [visible] = await this.visibleEvents(userId, [stored], access);
    if (!visible) throw notFound;
    return visible;
  }

  /** The events (by ID, in the given order) the user may see. */
  async visibleEvents(userId: string, events: readonly StoredEvent[], access: RoomAccess): Promise<StoredEvent[]> {
    const bounded = access.kind === 'former' ? events.filter((e) => e.streamOrdering <= access.membership.streamOrdering) : events;
    return this.visibility.filterForUser(userId, bounded.filter((e) => !e.outlier && e.rejectedReason === null && !e.softFailed), { isPeeking: access.kind === 'peeking' });
  }

  async load(eventIds: readonly string[]): Promise<StoredEvent[]> {
    const stored = await this.stores.events.getEvents(eventIds);
    return eventIds.map((id) => stored.get(id)).filter((e): e is StoredEvent => e !== null && e !== undefined);
  }
}
