/**
 * `POST /search` (room events): full-text search (SQLite FTS5) over message bodies, room names and topics of
 * the rooms the user is joined to, ordered by relevance or most recent first, restricted by a room event
 * filter, with highlights, optional context around each result (with the senders' profiles), the rooms' state,
 * groupings by room or sender, and `next_batch` paging. Only events the user may see are returned.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { SearchHit } from '../../storage/databases/main/eventSearchReadStore.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import { readVisibility, type VisibilityFilter } from '../events/visibilityFilter.ts';
import type { ClientEvent } from '../events/clientEvent.ts';
import { encodeRoomToken, topologicalToken } from '../events/roomPaginationToken.ts';
import { EventFilter } from '../sync/eventFilter.ts';
import { validateRoomEventFilterDefinition, type RoomEventFilterDefinition } from '../sync/filterDefinition.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomStateReader } from '../rooms/roomStateReader.ts';
import { ftsMatchExpression, highlightsOf, searchWords } from './searchQuery.ts';

const SEARCH_KEYS = ['content.body', 'content.name', 'content.topic'] as const;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const DEFAULT_CONTEXT = 5;
const MAX_CONTEXT = 50;
/** Reads after the first fetch this many times what is missing, as some hits may be invisible or filtered out. */
const OVERFETCH = 2;
const MAX_READS = 5;
/** Up to this many matches, `count` is exact (see countShown). */
export const EXACT_COUNT_LIMIT = 1000;

export interface RoomEventsCriteria {
  readonly searchTerm: string;
  readonly keys: readonly string[];
  readonly filter: RoomEventFilterDefinition;
  readonly orderBy: 'rank' | 'recent';
  readonly eventContext: { readonly beforeLimit: number; readonly afterLimit: number; readonly includeProfile: boolean } | null;
  readonly includeState: boolean;
  readonly groupBy: readonly ('room_id' | 'sender')[];
}

interface SearchResultEntry {
  rank: number;
  result: ClientEvent;
  context?: JsonObject;
}

/** Checks the request body; every problem is a 400 naming the field. */
export function parseSearchBody(body: JsonObject): RoomEventsCriteria | null {
  const categories = body.search_categories;
  if (categories === undefined || categories === null) throw MatrixError.missingParam('Missing search_categories');
  if (typeof categories !== 'object' || Array.isArray(categories)) throw MatrixError.badJson('search_categories must be an object');
  const roomEvents = categories.room_events;
  if (roomEvents === undefined || roomEvents === null) return null;
  if (typeof roomEvents !== 'object' || Array.isArray(roomEvents)) throw MatrixError.badJson('room_events must be an object');
  const term = roomEvents.search_term;
  if (term === undefined || term === null) throw MatrixError.missingParam('Missing search_term');
  if (typeof term !== 'string') throw MatrixError.badJson('search_term must be a string');
  let keys: readonly string[] = SEARCH_KEYS;
  if (roomEvents.keys !== undefined && roomEvents.keys !== null) {
    const given = roomEvents.keys;
    if (!Array.isArray(given) || !given.every((k) => typeof k === 'string' && (SEARCH_KEYS as readonly string[]).includes(k))) {
      throw MatrixError.badJson(`keys must be a list of ${SEARCH_KEYS.join(', ')}`);
    }
    keys = given as string[];
  }
  const filter = roomEvents.filter === undefined || roomEvents.filter === null ? {} : validateRoomEventFilterDefinition(roomEvents.filter);
  const orderBy = roomEvents.order_by ?? 'rank';
  if (orderBy !== 'rank' && orderBy !== 'recent') throw MatrixError.badJson('order_by must be "rank" or "recent"');
  let eventContext: RoomEventsCriteria['eventContext'] = null;
  const context = roomEvents.event_context;
  if (context !== undefined && context !== null) {
    if (typeof context !== 'object' || Array.isArray(context)) throw MatrixError.badJson('event_context must be an object');
    const count = (name: string) => {
      const value = context[name];
      if (value === undefined || value === null) return DEFAULT_CONTEXT;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw MatrixError.badJson(`event_context.${name} must be a non-negative integer`);
      return Math.min(value, MAX_CONTEXT);
    };
    const includeProfile = context.include_profile ?? false;
    if (typeof includeProfile !== 'boolean') throw MatrixError.badJson('event_context.include_profile must be a boolean');
    eventContext = { beforeLimit: count('before_limit'), afterLimit: count('after_limit'), includeProfile };
  }
  const includeState = roomEvents.include_state ?? false;
  if (typeof includeState !== 'boolean') throw MatrixError.badJson('include_state must be a boolean');
  const groupBy: ('room_id' | 'sender')[] = [];
  const groupings = roomEvents.groupings;
  if (groupings !== undefined && groupings !== null) {
    if (typeof groupings !== 'object' || Array.isArray(groupings)) throw MatrixError.badJson('groupings must be an object');
    const list = groupings.group_by ?? [];
    if (!Array.isArray(list)) throw MatrixError.badJson('groupings.group_by must be a list');
    for (const entry of list) {
      const key = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? entry.key : undefined;
      if (key !== 'room_id' && key !== 'sender') throw MatrixError.badJson('groupings.group_by keys must be "room_id" or "sender"');
      groupBy.push(key);
    }
  }
  return { searchTerm: term, keys, filter, orderBy, eventContext, includeState, groupBy };
}

/** `next_batch`: `rank:<offset>` or `recent:<stream position>`. */
function parseBatch(text: string | null, orderBy: 'rank' | 'recent'): number | null {
  if (text === null || text === '') return null;
  const match = /^(rank|recent):(-?\d{1,16})$/.exec(text);
  if (!match || match[1] !== orderBy) throw MatrixError.invalidParam('Invalid next_batch');
  return Number(match[2]);
}

export class SearchHandler {
  private readonly state: RoomStateReader;

  constructor(
    private readonly stores: DataStores,
    private readonly serializer: EventSerializer,
    private readonly visibility: VisibilityFilter,
  ) {
    this.state = new RoomStateReader(stores);
  }

  async search(requester: Requester, criteria: RoomEventsCriteria | null, nextBatch: string | null): Promise<{ search_categories: JsonObject }> {
    if (criteria === null) return { search_categories: {} };
    const position = parseBatch(nextBatch, criteria.orderBy);
    const filter = new EventFilter(criteria.filter);
    const limit = Math.min(Math.max(criteria.filter.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
    const rooms = [...(await this.stores.members.getRoomsForUser(requester.userId))].filter((roomId) => filter.allowsRoom(roomId)).sort();
    const words = searchWords(criteria.searchTerm);
    const match = ftsMatchExpression(words);
    if (match === null || rooms.length === 0) return { search_categories: { room_events: { count: 0, highlights: [], results: [] } } };

    const hits: { hit: SearchHit; event: StoredEvent }[] = [];
    let offset = criteria.orderBy === 'rank' ? (position ?? 0) : 0;
    let before = criteria.orderBy === 'recent' ? position : null;
    let exhausted = false;
    for (let reads = 0; reads < MAX_READS && hits.length < limit && !exhausted; reads++) {
      // Most hits are visible: the first read asks for the page itself, later ones for more than is missing.
      const want = (limit - hits.length) * (reads === 0 ? 1 : OVERFETCH);
      const page = this.stores.search.search({ match, roomIds: rooms, keys: criteria.keys, order: criteria.orderBy, limit: want, offset, before });
      const lastPage = page.length < want;
      const shown = await this.shownHits(requester, filter, page);
      let consumed = 0;
      for (const hit of page) {
        consumed++;
        const candidate = shown.get(hit);
        if (candidate && !hits.some((h) => h.hit.eventId === hit.eventId)) hits.push(candidate);
        // Stop exactly at the page size so that next_batch continues right after the last result.
        if (hits.length >= limit) break;
      }
      offset += consumed;
      if (consumed > 0) before = page[consumed - 1]!.streamOrdering;
      exhausted = lastPage && consumed === page.length;
    }

    const events = hits.map((h) => h.event);
    const served = await this.serializer.serialize(events, { requester });
    const byId = new Map(served.map((e) => [e.event_id, e]));
    const results: SearchResultEntry[] = [];
    for (const { hit, event } of hits) {
      const result = byId.get(event.event.eventId);
      if (!result) continue;
      const entry: SearchResultEntry = { rank: criteria.orderBy === 'rank' ? -hit.rank : hit.streamOrdering, result };
      if (criteria.eventContext) entry.context = await this.contextOf(requester, event, criteria.eventContext);
      results.push(entry);
    }
    const texts = events.map((e) => {
      const field = e.event.content.body ?? e.event.content.name ?? e.event.content.topic;
      return typeof field === 'string' ? field : '';
    });
    const roomEvents: JsonObject = {
      count: position === null && exhausted ? hits.length : await this.countShown(requester, filter, criteria.filter, { match, roomIds: rooms, keys: criteria.keys }),
      highlights: highlightsOf(words, texts),
      results: results as unknown as JsonObject[],
    };
    if (!exhausted) roomEvents.next_batch = criteria.orderBy === 'rank' ? `rank:${offset}` : `recent:${before}`;
    if (criteria.includeState) roomEvents.state = await this.statesOf(requester, [...new Set(events.map((e) => e.event.roomId))]);
    if (criteria.groupBy.length > 0) roomEvents.groups = this.groupsOf(criteria.groupBy, hits.map((h) => h.event), roomEvents.next_batch as string | undefined);
    return { search_categories: { room_events: roomEvents } };
  }

  /** The hits of a page that pass the filter and that the user may see, with their events. */
  private async shownHits(requester: Requester, filter: EventFilter, page: readonly SearchHit[]): Promise<Map<SearchHit, { hit: SearchHit; event: StoredEvent }>> {
    const stored = await this.stores.events.getEvents(page.map((h) => h.eventId));
    const candidates: { hit: SearchHit; event: StoredEvent }[] = [];
    for (const hit of page) {
      const event = stored.get(hit.eventId);
      if (event && filter.matches({ type: event.event.type, sender: event.event.sender, roomId: event.event.roomId, content: event.event.content })) candidates.push({ hit, event });
    }
    const visible = new Set((await this.visibility.filterForUser(requester.userId, candidates.map((c) => c.event))).map((e) => e.event.eventId));
    return new Map(candidates.filter((c) => visible.has(c.hit.eventId)).map((c) => [c.hit, c]));
  }

  /**
   * The response's `count`: the number of results the whole search has, filtered and visible as served. Rooms
   * whose history was never restricted (`joined` or `invited`) show their members every event, so their matches
   * are counted in SQL when the filter is only about senders; the others' matches are checked one by one, up to
   * EXACT_COUNT_LIMIT of them. Past that the count is the number of matches, which the spec allows ("an
   * approximate count"): checking each would cost far more than the page.
   */
  private async countShown(requester: Requester, filter: EventFilter, definition: RoomEventFilterDefinition, query: { match: string; roomIds: readonly string[]; keys: readonly string[] }): Promise<number> {
    const sendersOnly = definition.types === undefined && definition.not_types === undefined && definition.contains_url === undefined;
    const restricted = await this.roomsWithRestrictedHistory(query.roomIds);
    let total = 0;
    let checked = query.roomIds;
    if (sendersOnly) {
      const open = query.roomIds.filter((roomId) => !restricted.has(roomId));
      total += this.stores.search.count(query.match, open, query.keys, { senders: definition.senders ?? null, notSenders: definition.not_senders ?? null });
      checked = query.roomIds.filter((roomId) => restricted.has(roomId));
    }
    const matches = this.stores.search.count(query.match, checked, query.keys);
    if (matches > EXACT_COUNT_LIMIT) return total + matches;
    const all = this.stores.search.search({ ...query, roomIds: checked, order: 'recent', limit: matches, offset: 0, before: null });
    return total + new Set([...(await this.shownHits(requester, filter, all)).keys()].map((hit) => hit.eventId)).size;
  }

  /** Rooms that have had a history visibility under which members may not see every event. */
  private async roomsWithRestrictedHistory(roomIds: readonly string[]): Promise<Set<string>> {
    const events = await this.stores.events.getEvents(this.stores.roomState.historyVisibilityEventIds(roomIds));
    const restricted = new Set<string>();
    for (const stored of events.values()) {
      if (!stored) continue;
      const visibility = readVisibility(stored.event.content.history_visibility);
      if (visibility === 'joined' || visibility === 'invited') restricted.add(stored.event.roomId);
    }
    return restricted;
  }

  private async contextOf(requester: Requester, stored: StoredEvent, options: NonNullable<RoomEventsCriteria['eventContext']>): Promise<JsonObject> {
    const { roomId, depth } = stored.event;
    const read = async (direction: 'b' | 'f', limit: number) => {
      if (limit === 0) return { events: [] as StoredEvent[], last: null as { depth: number; stream: number } | null };
      const from = direction === 'b' ? topologicalToken(depth, stored.streamOrdering - 1) : topologicalToken(depth, stored.streamOrdering);
      const rows = this.stores.timeline.page(roomId, { direction, from, to: null, limit });
      const loaded = await this.stores.events.getEvents(rows.map((r) => r.eventId));
      const events = rows.map((r) => loaded.get(r.eventId)).filter((e): e is StoredEvent => e !== null && e !== undefined);
      return { events: await this.visibility.filterForUser(requester.userId, events), last: rows.at(-1) ?? null };
    };
    const before = await read('b', options.beforeLimit);
    const after = await read('f', options.afterLimit);
    const context: JsonObject = {
      start: encodeRoomToken(before.last ? topologicalToken(before.last.depth, before.last.stream - 1) : topologicalToken(depth, stored.streamOrdering - 1)),
      end: encodeRoomToken(after.last ? topologicalToken(after.last.depth, after.last.stream) : topologicalToken(depth, stored.streamOrdering)),
      events_before: (await this.serializer.serialize(before.events, { requester })) as unknown as JsonObject[],
      events_after: (await this.serializer.serialize(after.events, { requester })) as unknown as JsonObject[],
    };
    if (options.includeProfile) {
      const profiles: JsonObject = {};
      const senders = new Set([stored, ...before.events, ...after.events].map((e) => e.event.sender));
      for (const sender of senders) {
        const member = await this.state.currentStateEvent(roomId, 'm.room.member', sender);
        const profile: JsonObject = {};
        const { displayname, avatar_url } = member?.event.content ?? {};
        if (typeof displayname === 'string') profile.displayname = displayname;
        if (typeof avatar_url === 'string') profile.avatar_url = avatar_url;
        profiles[sender] = profile;
      }
      context.profile_info = profiles;
    }
    return context;
  }

  private async statesOf(requester: Requester, roomIds: readonly string[]): Promise<JsonObject> {
    const states: JsonObject = {};
    for (const roomId of roomIds) {
      states[roomId] = (await this.serializer.serialize(await this.state.currentStateEvents(roomId), { requester, bundleAggregations: false })) as unknown as JsonObject[];
    }
    return states;
  }

  private groupsOf(groupBy: readonly ('room_id' | 'sender')[], events: readonly StoredEvent[], nextBatch: string | undefined): JsonObject {
    const groups: JsonObject = {};
    for (const key of groupBy) {
      const byValue = new Map<string, string[]>();
      for (const entry of events) {
        const value = key === 'room_id' ? entry.event.roomId : entry.event.sender;
        let list = byValue.get(value);
        if (!list) byValue.set(value, (list = []));
        list.push(entry.event.eventId);
      }
      const group: JsonObject = {};
      let order = 0;
      for (const [value, results] of byValue) {
        group[value] = { results, order: order++, ...(nextBatch ? { next_batch: nextBatch } : {}) };
      }
      groups[key] = group;
    }
    return groups;
  }
}
