/**
 * What the storage controllers need from state resolution: one resolved state from several. The algorithms
 * (v1, v2) live in core/state and are injected, so storage does not depend on them.
 */
import type { RoomVersion } from '../events/roomVersions.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import type { StateMap } from './stateMap.ts';

/** Loads events by ID for the resolver (auth chains, power levels, ...). Missing events are absent from the map. */
export type EventLoader = (eventIds: readonly string[]) => Promise<ReadonlyMap<string, RoomEvent>>;

export interface StateResolver {
  resolve(roomId: string, roomVersion: RoomVersion, stateSets: readonly StateMap[], loadEvents: EventLoader): Promise<StateMap>;
}

export class UnresolvedStateError extends Error {
  override readonly name = 'UnresolvedStateError';
}

/**
 * The resolver for a server without a state resolution algorithm: identical states resolve to themselves,
 * conflicting ones are refused.
 */
export const identicalStatesOnlyResolver: StateResolver = {
  async resolve(roomId, _version, stateSets) {
    const [first, ...rest] = stateSets;
    if (!first) return new Map();
    for (const other of rest) {
      if (other.size !== first.size || [...other].some(([k, v]) => first.get(k) !== v)) {
        throw new UnresolvedStateError(`room ${roomId} has conflicting states and no state resolution is configured`);
      }
    }
    return first;
  },
};

/** Whether several states are all the same (then no resolution is needed). */
export function allStatesEqual(stateSets: readonly StateMap[]): boolean {
  const [first, ...rest] = stateSets;
  if (!first) return true;
  return rest.every((other) => other === first || (other.size === first.size && [...other].every(([k, v]) => first.get(k) === v)));
}

/**
 * A loader that finds `events` in memory before asking `loadEvents`: what the resolver must be given while the
 * events whose states are being resolved are still being persisted (storage cannot load them yet, and events
 * it cannot load are left out of the resolution).
 */
export function withInMemoryEvents(events: Iterable<RoomEvent>, loadEvents: EventLoader): EventLoader {
  const inMemory = new Map<string, RoomEvent>();
  for (const event of events) inMemory.set(event.eventId, event);
  return async (eventIds) => {
    const found = new Map<string, RoomEvent>();
    const rest: string[] = [];
    for (const id of eventIds) {
      const event = inMemory.get(id);
      if (event) found.set(id, event);
      else rest.push(id);
    }
    if (rest.length > 0) for (const [id, event] of await loadEvents(rest)) found.set(id, event);
    return found;
  };
}
