/**
 * `GET /rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]`: the events that relate to an event,
 * newest first by default, optionally following relations of relations (`recurse`, up to three levels), paged
 * by events-stream tokens (`from`/`to` also accept tokens from /messages and /sync).
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import type { ClientEvent } from '../events/clientEvent.ts';
import { encodeRoomToken, streamToken, type RoomPaginationToken } from '../events/roomPaginationToken.ts';
import type { Requester } from '../requester.ts';
import { RelatedEventsReader } from './relatedEventsReader.ts';

/** How deep `recurse` follows relations of relations. */
export const MAX_RECURSION_DEPTH = 3;
export const DEFAULT_RELATIONS_LIMIT = 5;
export const MAX_RELATIONS_LIMIT = 100;

export interface RelationsQuery {
  readonly relType: string | null;
  readonly eventType: string | null;
  readonly direction: 'b' | 'f';
  readonly from: RoomPaginationToken | null;
  readonly fromText: string | null;
  readonly to: RoomPaginationToken | null;
  readonly limit: number;
  /** Null when the client did not say (then `recursion_depth` is left out). */
  readonly recurse: boolean | null;
}

export interface RelationsResponse {
  chunk: ClientEvent[];
  next_batch?: string;
  prev_batch?: string;
  recursion_depth?: number;
}

export class RelationsHandler {
  private readonly reader: RelatedEventsReader;

  constructor(
    private readonly stores: DataStores,
    private readonly serializer: EventSerializer,
    visibility: VisibilityFilter,
  ) {
    this.reader = new RelatedEventsReader(stores, visibility);
  }

  async relations(requester: Requester, roomId: string, eventId: string, query: RelationsQuery): Promise<RelationsResponse> {
    const access = await this.reader.accessTo(requester.userId, roomId);
    await this.reader.visibleParent(requester.userId, roomId, eventId, access);
    const depth = query.recurse ? MAX_RECURSION_DEPTH : 1;
    // One more than asked tells whether another page exists.
    const rows = this.stores.relations.relatedEvents(eventId, roomId, {
      relType: query.relType,
      eventType: query.eventType,
      maxDepth: depth,
      direction: query.direction,
      from: query.from?.stream ?? null,
      to: query.to?.stream ?? null,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const visible = await this.reader.visibleEvents(requester.userId, await this.reader.load(page.map((r) => r.eventId)), access);
    const response: RelationsResponse = { chunk: await this.serializer.serialize(visible, { requester }) };
    if (rows.length > query.limit && page.length > 0) response.next_batch = encodeRoomToken(streamToken(page.at(-1)!.streamOrdering));
    if (query.fromText !== null) response.prev_batch = query.fromText;
    if (query.recurse !== null) response.recursion_depth = depth;
    return response;
  }
}
