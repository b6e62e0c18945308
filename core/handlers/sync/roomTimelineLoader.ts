/**
 * A room's timeline for /sync: the latest `limit` events in a stream range that pass the timeline filter, are
 * not from an ignored user (state events always pass) and that history visibility lets the user see. Events are
 * read newest first in growing batches until enough pass or the range runs out; when the range was not read to
 * its start the timeline is `limited`. The start position (just before the first event returned) is where
 * `prev_batch` points and where "state at the start of the timeline" is taken.
 */
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import type { EventFilter } from './eventFilter.ts';

export interface TimelineRequest {
  readonly userId: string;
  readonly roomId: string;
  /** Events after this position; null for the latest events whatever their age. */
  readonly after: number | null;
  /** Events at or below this position. */
  readonly upTo: number;
  readonly limit: number;
  readonly filter: EventFilter;
  readonly ignoredUsers: ReadonlySet<string>;
  /** The user never joined the room: only world-readable history (and their own membership) shows. */
  readonly isPeeking: boolean;
}

export interface LoadedTimeline {
  /** Oldest first. */
  readonly events: readonly StoredEvent[];
  readonly limited: boolean;
  /** Just before the first event returned, or the range's end when none was. */
  readonly startPosition: number;
}

/** Batches read before giving up on filling the timeline (it is then marked limited). */
const MAX_ROUNDS = 4;
const MAX_BATCH = 500;

export class RoomTimelineLoader {
  constructor(
    private readonly stores: DataStores,
    private readonly visibility: VisibilityFilter,
  ) {}

  async load(request: TimelineRequest): Promise<LoadedTimeline> {
    const wanted = request.limit + 1;
    const collected: StoredEvent[] = [];
    let cursor = request.upTo;
    let batchSize = Math.max(wanted, 10);
    let exhausted = false;
    for (let round = 0; round < MAX_ROUNDS && collected.length < wanted; round++) {
      const refs = this.stores.syncEvents.timelineEventsBefore(request.roomId, request.after, cursor, batchSize);
      if (refs.length === 0) {
        exhausted = true;
        break;
      }
      cursor = refs.at(-1)!.streamOrdering - 1;
      const stored = await this.stores.events.getEvents(refs.map((r) => r.eventId));
      const passing = refs
        .map((r) => stored.get(r.eventId))
        .filter((e): e is StoredEvent => e !== null && e !== undefined)
        .filter((e) => this.passes(e, request));
      collected.push(...(await this.visibility.filterForUser(request.userId, passing, { isPeeking: request.isPeeking })));
      if (refs.length < batchSize) {
        exhausted = true;
        break;
      }
      batchSize = Math.min(batchSize * 2, MAX_BATCH);
    }
    const events = collected.slice(0, request.limit).reverse();
    return {
      events,
      limited: collected.length > request.limit || !exhausted,
      startPosition: events.length > 0 ? events[0]!.streamOrdering - 1 : request.upTo,
    };
  }

  private passes(stored: StoredEvent, request: TimelineRequest): boolean {
    const event = stored.event;
    if (!event.isState() && request.ignoredUsers.has(event.sender)) return false;
    return request.filter.matches({ type: event.type, sender: event.sender, roomId: event.roomId, content: event.content });
  }
}
