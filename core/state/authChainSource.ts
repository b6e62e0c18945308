/**
 * What the auth chain algorithms read about events: their auth events and their depth. State resolution stays
 * free of storage by asking for these through this interface; the `main` data store implements it over the
 * `event_auth` and `events` tables (core/storage/databases/main/eventAuthReadStore.ts).
 */

/** One event's outgoing auth edges and its depth (the DAG depth the walk orders its frontier by). */
export interface AuthEdges {
  readonly depth: number;
  readonly authEventIds: readonly string[];
}

export interface AuthChainSource {
  /**
   * The auth edges of each of `eventIds` the source holds, in one round trip. Events it does not hold (never
   * stored, or not yet persisted) are absent from the map; an event without auth events (a create event) is
   * present with an empty list.
   */
  getAuthEdges(eventIds: readonly string[]): Promise<ReadonlyMap<string, AuthEdges>>;
}

/**
 * Events the source does not hold yet but the caller has in memory (for example the batch being persisted):
 * only their auth event IDs are needed. A `RoomEvent` fits.
 */
export interface UnpersistedAuthEvent {
  readonly authEventIds: readonly string[];
}

/** Looks up in-memory events by ID; IDs it does not know are absent from the map. */
export type UnpersistedEventLoader = (eventIds: readonly string[]) => Promise<ReadonlyMap<string, UnpersistedAuthEvent>>;
