/**
 * `/messages` and `/context`: pages of a room's timeline the user may see, with pagination tokens
 * (roomPaginationToken.ts). Users who left see history up to their leave; peeking users only world-readable
 * history. Pages keep reading until they have `limit` visible events or the timeline ends.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { TimelinePosition, TimelineRow } from '../../storage/databases/main/roomTimelineReadStore.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import type { ClientEvent } from '../events/clientEvent.ts';
import { encodeRoomToken, topologicalToken, type RoomPaginationToken } from '../events/roomPaginationToken.ts';
import { MatrixError } from '../matrixError.ts';
import { EventFilter } from '../sync/eventFilter.ts';
import type { RoomEventFilterDefinition } from '../sync/filterDefinition.ts';
import type { Requester } from '../requester.ts';
import { RoomAccessChecker, type RoomAccess } from './roomAccess.ts';
import { RoomStateReader } from './roomStateReader.ts';

export const MAX_PAGE_LIMIT = 1000;
/** Fewer visible events than asked for: read at most this many raw pages before answering. */
const MAX_READS_PER_PAGE = 5;

export interface MessagesQuery {
  readonly direction: 'b' | 'f';
  readonly from: RoomPaginationToken | null;
  readonly fromText: string | null;
  readonly to: RoomPaginationToken | null;
  readonly limit: number;
  /** The `filter` parameter: which events to return (types, senders, contains_url, lazy-loaded members). */
  readonly filter: RoomEventFilterDefinition;
}

export interface MessagesResponse {
  start: string;
  end?: string;
  chunk: ClientEvent[];
  state?: ClientEvent[];
}

export interface ContextResponse {
  start: string;
  end: string;
  event: ClientEvent;
  events_before: ClientEvent[];
  events_after: ClientEvent[];
  state: ClientEvent[];
}

/** Fetches older history from other servers when a client pages back past what we hold. */
export interface HistoryBackfiller {
  backfill(roomId: string, limit: number): Promise<number>;
}

/** How many times one /messages page may ask other servers for more history. */
const MAX_BACKFILLS_PER_PAGE = 2;

export class RoomHistoryHandler {
  private readonly access: RoomAccessChecker;
  private readonly state: RoomStateReader;
  private backfiller: HistoryBackfiller | null = null;

  /** Plugs in federation's backfill (built after the handlers). */
  setBackfiller(backfiller: HistoryBackfiller): void {
    this.backfiller = backfiller;
  }

  constructor(
    private readonly stores: DataStores,
    private readonly serializer: EventSerializer,
    private readonly visibility: VisibilityFilter,
  ) {
    this.access = new RoomAccessChecker(stores);
    this.state = new RoomStateReader(stores);
  }

  async messages(requester: Requester, roomId: string, query: MessagesQuery): Promise<MessagesResponse> {
    const access = await this.access.check(requester.userId, roomId);
    let from: TimelinePosition | null = query.from;
    // A former member reads back from their leave at most.
    const ceiling = this.ceilingFor(access);
    if (query.direction === 'b' && ceiling && (!from || isAfter(from, ceiling))) from = ceiling;
    let to: TimelinePosition | null = query.to;
    if (query.direction === 'f' && ceiling && (!to || isAfter(to, ceiling))) to = ceiling;

    const start = query.fromText ?? (from ? encodeRoomToken(from) : this.defaultStart(roomId, query.direction));
    const filter = new EventFilter(query.filter);
    let { events, last, exhausted } = await this.readVisible(requester, roomId, query.direction, from, to, query.limit, access, filter);
    for (let attempt = 0; query.direction === 'b' && exhausted && events.length < query.limit && this.backfiller && attempt < MAX_BACKFILLS_PER_PAGE; attempt++) {
      if ((await this.backfiller.backfill(roomId, Math.max(query.limit - events.length, 10))) === 0) break;
      const more = await this.readVisible(requester, roomId, 'b', last ? nextFrom('b', last) : from, to, query.limit - events.length, access, filter);
      events = [...events, ...more.events];
      last = more.last ?? last;
      exhausted = more.exhausted;
    }
    const response: MessagesResponse = { start, chunk: await this.serializer.serialize(events, { requester }) };
    if (!exhausted && last) response.end = encodeRoomToken(nextFrom(query.direction, last));
    if (query.filter.lazy_load_members === true) {
      const senders = new Set(events.map((e) => e.event.sender));
      response.state = await this.memberEventsFor(roomId, senders, access, requester);
    }
    return response;
  }

  async context(requester: Requester, roomId: string, eventId: string, limit: number, filterDefinition: RoomEventFilterDefinition = {}): Promise<ContextResponse> {
    const filter = new EventFilter(filterDefinition);
    const access = await this.access.check(requester.userId, roomId);
    const stored = await this.stores.events.getEvent(eventId);
    const notFound = MatrixError.notFound('Event not found.');
    if (!stored || stored.event.roomId !== roomId || stored.outlier || stored.rejectedReason !== null) throw notFound;
    const ceiling = this.ceilingFor(access);
    const position = { depth: stored.event.depth, stream: stored.streamOrdering };
    if (ceiling && isAfter(topologicalToken(position.depth, position.stream), ceiling)) throw notFound;
    const [visible] = await this.visibility.filterForUser(requester.userId, [stored], { isPeeking: access.kind === 'peeking' });
    if (!visible) throw notFound;

    const beforeLimit = Math.floor(limit / 2);
    const afterLimit = limit - beforeLimit;
    const justBefore = topologicalToken(position.depth, position.stream - 1);
    const here = topologicalToken(position.depth, position.stream);
    const before = await this.readVisible(requester, roomId, 'b', justBefore, null, beforeLimit, access, filter);
    const after = await this.readVisible(requester, roomId, 'f', here, ceiling, afterLimit, access, filter);
    const start = before.last ? nextFrom('b', before.last) : justBefore;
    const end = after.last ? topologicalToken(after.last.depth, after.last.stream) : here;
    const lastEvent = after.events.at(-1) ?? stored;
    const stateAtLast = (await this.state.stateAfterEvent(lastEvent.event.eventId)) ?? new Map();
    const [event] = await this.serializer.serialize([visible], { requester });
    if (!event) throw notFound;
    return {
      start: encodeRoomToken(start),
      end: encodeRoomToken(end),
      event,
      events_before: await this.serializer.serialize(before.events, { requester }),
      events_after: await this.serializer.serialize(after.events, { requester }),
      state: await this.serializer.serialize(await this.state.eventsOf(stateAtLast), { requester }),
    };
  }

  private ceilingFor(access: RoomAccess): RoomPaginationToken | null {
    if (access.kind !== 'former') return null;
    const position = this.stores.timeline.position(access.membership.eventId);
    return position ? topologicalToken(position.depth, position.stream) : null;
  }

  private defaultStart(roomId: string, direction: 'b' | 'f'): string {
    if (direction === 'f') return encodeRoomToken(topologicalToken(0, Number.MIN_SAFE_INTEGER));
    const latest = this.stores.timeline.latestPosition(roomId);
    return encodeRoomToken(latest ? topologicalToken(latest.depth, latest.stream) : topologicalToken(0, 0));
  }

  private async readVisible(
    requester: Requester,
    roomId: string,
    direction: 'b' | 'f',
    from: TimelinePosition | null,
    to: TimelinePosition | null,
    limit: number,
    access: RoomAccess,
    filter: EventFilter,
  ): Promise<{ events: StoredEvent[]; last: TimelineRow | null; exhausted: boolean }> {
    const visible: StoredEvent[] = [];
    let cursor = from;
    let last: TimelineRow | null = null;
    for (let reads = 0; reads < MAX_READS_PER_PAGE && visible.length < limit; reads++) {
      const want = limit - visible.length;
      const rows = this.stores.timeline.page(roomId, { direction, from: cursor, to, limit: want });
      if (rows.length === 0) return { events: visible, last, exhausted: true };
      const stored = await this.stores.events.getEvents(rows.map((r) => r.eventId));
      const events = rows
        .map((r) => stored.get(r.eventId))
        .filter((e): e is StoredEvent => e !== null && e !== undefined)
        .filter((e) => filter.matches({ type: e.event.type, sender: e.event.sender, roomId: e.event.roomId, content: e.event.content }));
      visible.push(...(await this.visibility.filterForUser(requester.userId, events, { isPeeking: access.kind === 'peeking' })));
      last = rows.at(-1)!;
      cursor = nextFrom(direction, last);
      if (rows.length < want) return { events: visible, last, exhausted: true };
    }
    return { events: visible, last, exhausted: false };
  }

  private async memberEventsFor(roomId: string, userIds: Set<string>, access: RoomAccess, requester: Requester): Promise<ClientEvent[]> {
    const state = access.kind === 'former' ? ((await this.state.stateAfterEvent(access.membership.eventId)) ?? new Map()) : await this.state.currentStateIds(roomId);
    const members = await this.state.eventsOf(state, (type, key) => type === 'm.room.member' && userIds.has(key));
    return this.serializer.serialize(members, { requester });
  }
}

/** The position to continue from after `row`, in `direction`. */
function nextFrom(direction: 'b' | 'f', row: TimelineRow): RoomPaginationToken {
  return direction === 'b' ? topologicalToken(row.depth, row.stream - 1) : topologicalToken(row.depth, row.stream);
}

/** Whether `a` lies after `b` (topologically when both have depths, else by stream). */
function isAfter(a: TimelinePosition, b: TimelinePosition): boolean {
  if (a.topological !== null && b.topological !== null) return a.topological > b.topological || (a.topological === b.topological && a.stream > b.stream);
  return a.stream > b.stream;
}

export function parseLimit(raw: number | null, fallback: number): number {
  if (raw === null) return fallback;
  if (raw < 0) throw MatrixError.invalidParam('limit must not be negative');
  return Math.min(raw, MAX_PAGE_LIMIT);
}
