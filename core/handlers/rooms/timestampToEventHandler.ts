/**
 * `GET /rooms/{roomId}/timestamp_to_event`: the event closest to a time, looking forward or back from it, among
 * the events the user may see in a room they may read. Only this server's copy of the room is consulted.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { EventTimestampReadStore } from '../../storage/databases/main/eventTimestampReadStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomAccessChecker } from './roomAccess.ts';

const BATCH = 20;
const MAX_BATCHES = 10;

export class TimestampToEventHandler {
  private readonly access: RoomAccessChecker;
  private readonly timestamps: EventTimestampReadStore;

  constructor(
    private readonly stores: DataStores,
    private readonly visibility: VisibilityFilter,
  ) {
    this.access = new RoomAccessChecker(stores);
    this.timestamps = new EventTimestampReadStore(stores.db);
  }

  async closestEvent(requester: Requester, roomId: string, ts: number, direction: 'f' | 'b'): Promise<{ event_id: string; origin_server_ts: number }> {
    const access = await this.access.check(requester.userId, roomId);
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const rows = this.timestamps.closest(roomId, ts, direction, BATCH, batch * BATCH);
      const loaded = await this.stores.events.getEvents(rows.map((r) => r.eventId));
      let events = rows.map((r) => loaded.get(r.eventId)).filter((e): e is StoredEvent => e !== null && e !== undefined);
      if (access.kind === 'former') events = events.filter((e) => e.streamOrdering <= access.membership.streamOrdering);
      const [first] = await this.visibility.filterForUser(requester.userId, events, { isPeeking: access.kind === 'peeking' });
      if (first) return { event_id: first.event.eventId, origin_server_ts: first.event.originServerTs };
      if (rows.length < BATCH) break;
    }
    throw MatrixError.notFound(`Unable to find event from ${ts} in direction ${direction}`);
  }
}
