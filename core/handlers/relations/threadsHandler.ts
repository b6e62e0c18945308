/**
 * `GET /rooms/{roomId}/threads`: the room's thread roots, the most recently active thread first, all of them or
 * only those the user started or replied in (`include=participated`). Each root is served with its bundled
 * thread summary. Paged by the events-stream position of each thread's latest event.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import type { ClientEvent } from '../events/clientEvent.ts';
import { encodeRoomToken, streamToken, type RoomPaginationToken } from '../events/roomPaginationToken.ts';
import type { Requester } from '../requester.ts';
import { RelatedEventsReader } from './relatedEventsReader.ts';

export const DEFAULT_THREADS_LIMIT = 5;
export const MAX_THREADS_LIMIT = 100;

export interface ThreadsQuery {
  readonly include: 'all' | 'participated';
  readonly from: RoomPaginationToken | null;
  readonly limit: number;
}

export class ThreadsHandler {
  private readonly reader: RelatedEventsReader;

  constructor(
    private readonly stores: DataStores,
    private readonly serializer: EventSerializer,
    visibility: VisibilityFilter,
  ) {
    this.reader = new RelatedEventsReader(stores, visibility);
  }

  async threads(requester: Requester, roomId: string, query: ThreadsQuery): Promise<{ chunk: ClientEvent[]; next_batch?: string }> {
    const access = await this.reader.accessTo(requester.userId, roomId);
    const entries = this.stores.relations.threads(roomId, {
      before: query.from?.stream ?? null,
      limit: query.limit + 1,
      participant: query.include === 'participated' ? requester.userId : null,
    });
    const page = entries.slice(0, query.limit);
    const roots = (await this.reader.load(page.map((e) => e.rootId))).filter((root) => root.event.roomId === roomId);
    const visible = await this.reader.visibleEvents(requester.userId, roots, access);
    const response: { chunk: ClientEvent[]; next_batch?: string } = { chunk: await this.serializer.serialize(visible, { requester }) };
    if (entries.length > query.limit && page.length > 0) response.next_batch = encodeRoomToken(streamToken(page.at(-1)!.latestStream));
    return response;
  }
}
