/**
 * A filter definition compiled for /sync: which rooms appear, how many timeline events each gets, which events
 * of each section pass, lazy-loading of members, `include_leave`, `event_fields` and `event_format`.
 * The room-level `rooms` / `not_rooms` apply before the per-section filters.
 */
import type { FilterDefinition } from './filterDefinition.ts';
import { EventFilter } from './eventFilter.ts';

/** Timeline events per room when the filter does not say. */
export const DEFAULT_TIMELINE_LIMIT = 10;
/** The most timeline events per room whatever the filter says (Synapse's default `filter_timeline_limit`). */
export const MAX_TIMELINE_LIMIT = 100;

export class SyncFilter {
  readonly rooms: EventFilter;
  readonly timeline: EventFilter;
  readonly state: EventFilter;
  readonly ephemeral: EventFilter;
  readonly roomAccountData: EventFilter;
  readonly accountData: EventFilter;
  readonly presence: EventFilter;
  readonly timelineLimit: number;
  readonly presenceLimit: number | null;
  readonly accountDataLimit: number | null;
  readonly includeLeave: boolean;
  readonly lazyLoadMembers: boolean;
  readonly includeRedundantMembers: boolean;
  readonly eventFields: readonly string[] | null;
  readonly eventFormat: 'client' | 'federation';

  constructor(readonly definition: FilterDefinition = {}) {
    const room = definition.room ?? {};
    this.rooms = new EventFilter({ ...(room.rooms ? { rooms: room.rooms } : {}), ...(room.not_rooms ? { not_rooms: room.not_rooms } : {}) });
    this.timeline = new EventFilter(room.timeline);
    this.state = new EventFilter(room.state);
    this.ephemeral = new EventFilter(room.ephemeral);
    this.roomAccountData = new EventFilter(room.account_data);
    this.accountData = new EventFilter(definition.account_data);
    this.presence = new EventFilter(definition.presence);
    this.timelineLimit = Math.min(room.timeline?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    this.presenceLimit = definition.presence?.limit ?? null;
    this.accountDataLimit = definition.account_data?.limit ?? null;
    this.includeLeave = room.include_leave === true;
    this.lazyLoadMembers = room.state?.lazy_load_members === true;
    this.includeRedundantMembers = room.state?.include_redundant_members === true;
    this.eventFields = definition.event_fields ?? null;
    this.eventFormat = definition.event_format ?? 'client';
  }

  /** Whether the room appears in the response at all. */
  allowsRoom(roomId: string): boolean {
    return this.rooms.allowsRoom(roomId);
  }
}
