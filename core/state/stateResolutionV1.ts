/**
 * State resolution v1 (rooms/v1.md, "State resolution"), used by room version 1 only. The spec's description is
 * loose; this follows Synapse's original implementation, which defines the algorithm in practice:
 * - a key is conflicted only when two sets hold different events for it (a key missing from a set is not);
 * - conflicts are resolved in passes: the power levels, then join rules, then members, then everything else,
 *   each pass against the unconflicted state plus what earlier passes resolved;
 * - power levels, join rules and members: from the lowest depth (ties: the larger sha1 of the event ID) upwards,
 *   the first event is taken and each next one replaces it while the auth rules allow it; the first refusal ends
 *   the pass for that key;
 * - other types: the highest depth (ties: the smaller sha1) that the auth rules allow, or, when none is allowed,
 *   the last candidate in that order;
 * - events that cannot be loaded are left out; a key left with one loadable event takes it.
 */
import { createHash } from 'node:crypto';
import type { RoomEvent } from '../events/roomEvent.ts';
import type { RoomVersion } from '../events/roomVersions.ts';
import { AuthError } from '../auth/authError.ts';
import { authEventCandidateOf, selectAuthEventStateKeys } from '../auth/authEventSelection.ts';
import { checkEventAuthAgainstState } from '../auth/eventAuth.ts';
import { ResolutionEventCache } from './resolutionEventCache.ts';
import type { EventLoader } from './stateResolver.ts';
import { parseStateKey, stateKey, type StateKeyTuple, type StateMap } from './stateMap.ts';

export interface StateResolutionV1Input {
  readonly roomId: string;
  readonly roomVersion: RoomVersion;
  readonly stateSets: readonly StateMap[];
  readonly loadEvents: EventLoader;
}

const POWER_LEVELS_KEY = stateKey('m.room.power_levels', '');

/** The resolved state of `stateSets`. */
export async function resolveStateV1(input: StateResolutionV1Input): Promise<Map<StateKeyTuple, string>> {
  const { stateSets, roomVersion } = input;
  if (stateSets.length === 0) return new Map();
  if (stateSets.length === 1) return new Map(stateSets[0]);

  const { unconflicted, conflicted } = separateStateV1(stateSets);
  if (conflicted.size === 0) return unconflicted;

  const events = new ResolutionEventCache(input.roomId, input.loadEvents);
  await events.load([...conflicted.values()].flatMap((ids) => [...ids]));

  // The auth state the conflicts are checked against: the unconflicted events at the keys the rules will read.
  const authEventIds = new Map<StateKeyTuple, string>();
  for (const ids of conflicted.values()) {
    for (const id of ids) {
      const event = events.get(id);
      if (!event) continue;
      for (const key of selectAuthEventStateKeys(authEventCandidateOf(event), roomVersion)) {
        const unconflictedId = unconflicted.get(key);
        if (unconflictedId !== undefined && !authEventIds.has(key)) authEventIds.set(key, unconflictedId);
      }
    }
  }
  await events.load(authEventIds.values());
  const authState = new Map<StateKeyTuple, RoomEvent>();
  for (const [key, id] of authEventIds) {
    const event = events.get(id);
    if (event) authState.set(key, event);
  }

  const result = new Map(unconflicted);
  const conflictedEvents = new Map<StateKeyTuple, RoomEvent[]>();
  for (const [key, ids] of conflicted) {
    const loaded = [...ids].map((id) => events.get(id)).filter((e): e is RoomEvent => e !== undefined);
    if (loaded.length > 1) conflictedEvents.set(key, loaded);
    else if (loaded.length === 1) result.set(key, loaded[0]!.eventId);
  }

  for (const [key, event] of resolveConflicts(conflictedEvents, authState)) result.set(key, event.eventId);
  return result;
}

/** v1's split: keys whose sets disagree are conflicted; keys some sets lack are simply taken from those that have them. */
export function separateStateV1(stateSets: readonly StateMap[]): {
  unconflicted: Map<StateKeyTuple, string>;
  conflicted: Map<StateKeyTuple, Set<string>>;
} {
  const unconflicted = new Map<StateKeyTuple, string>();
  const conflicted = new Map<StateKeyTuple, Set<string>>();
  for (const set of stateSets) {
    for (const [key, id] of set) {
      const already = conflicted.get(key);
      if (already) {
        already.add(id);
        continue;
      }
      const existing = unconflicted.get(key);
      if (existing === undefined) unconflicted.set(key, id);
      else if (existing !== id) {
        unconflicted.delete(key);
        conflicted.set(key, new Set([existing, id]));
      }
    }
  }
  return { unconflicted, conflicted };
}

/** The passes: power levels, join rules, members, then the rest, each against what the previous ones decided. */
function resolveConflicts(conflicted: ReadonlyMap<StateKeyTuple, RoomEvent[]>, authState: ReadonlyMap<StateKeyTuple, RoomEvent>): Map<StateKeyTuple, RoomEvent> {
  const resolved = new Map<StateKeyTuple, RoomEvent>();
  const withResolved = () => new Map([...authState, ...resolved]);

  const powerLevels = conflicted.get(POWER_LEVELS_KEY);
  if (powerLevels) resolved.set(POWER_LEVELS_KEY, resolveAuthEvents(powerLevels, withResolved()));

  for (const type of ['m.room.join_rules', 'm.room.member']) {
    // Every key of a pass is checked against the state as it was before the pass.
    const state = withResolved();
    for (const [key, candidates] of conflicted) {
      if (parseStateKey(key).type === type) resolved.set(key, resolveAuthEvents(candidates, state));
    }
  }

  const state = withResolved();
  for (const [key, candidates] of conflicted) {
    if (!resolved.has(key)) resolved.set(key, resolveNormalEvents(candidates, state));
  }
  return resolved;
}

/** Walks up from the lowest depth, replacing the current event while the next one is allowed. */
function resolveAuthEvents(candidates: readonly RoomEvent[], state: ReadonlyMap<StateKeyTuple, RoomEvent>): RoomEvent {
  const ascending = orderByDepthDescending(candidates).reverse();
  const working = new Map(state);
  let current = ascending[0]!;
  for (const next of ascending.slice(1)) {
    working.set(stateKey(current.type, current.stateKey!), current);
    if (!isAllowed(next, working)) return current;
    current = next;
  }
  return current;
}

/** The deepest allowed event, or the last candidate when none is. */
function resolveNormalEvents(candidates: readonly RoomEvent[], state: ReadonlyMap<StateKeyTuple, RoomEvent>): RoomEvent {
  const ordered = orderByDepthDescending(candidates);
  for (const event of ordered) if (isAllowed(event, state)) return event;
  return ordered[ordered.length - 1]!;
}

/** Highest depth first; equal depths by ascending sha1 of the event ID (hex), as Synapse orders them. */
function orderByDepthDescending(events: readonly RoomEvent[]): RoomEvent[] {
  const hashes = new Map(events.map((e) => [e.eventId, createHash('sha1').update(e.eventId, 'utf8').digest('hex')]));
  return [...events].sort((a, b) => {
    if (a.depth !== b.depth) return b.depth - a.depth;
    const ha = hashes.get(a.eventId)!;
    const hb = hashes.get(b.eventId)!;
    return ha < hb ? -1 : ha > hb ? 1 : 0;
  });
}

function isAllowed(event: RoomEvent, state: ReadonlyMap<StateKeyTuple, RoomEvent>): boolean {
  try {
    checkEventAuthAgainstState(event, state);
    return true;
  } catch (error) {
    if (error instanceof AuthError) return false;
    throw error;
  }
}
