/**
 * State resolution v2 (rooms/fragments/v2-state-res.md), used by room versions 2 to 11. Where the spec leaves
 * room for choice, this does what Synapse does, so that our resolved state agrees with most of the federation:
 * - `m.room.create` counts as a power event, and power events are only the `""` state keys of power levels,
 *   join rules and create;
 * - the power ordering's graph follows auth edges only between events of the full conflicted set;
 * - the sender's power level for the tie-break comes from the event's own auth events (100 for the creator
 *   when they hold no power levels event);
 * - an event stored as rejected is never admitted again, and rejected events are never used as auth events;
 * - events that cannot be loaded are left out.
 */
import type { RoomEvent } from '../events/roomEvent.ts';
import type { RoomVersion } from '../events/roomVersions.ts';
import { AuthError } from '../auth/authError.ts';
import { authEventCandidateOf, selectAuthEventStateKeys } from '../auth/authEventSelection.ts';
import { checkEventAuthAgainstState } from '../auth/eventAuth.ts';
import { PowerLevels } from '../auth/powerLevels.ts';
import type { AuthChainDifference } from './authChainDifference.ts';
import { compareEventIds } from './eventIdOrder.ts';
import { lexicographicalTopologicalSort } from './lexicographicalTopologicalSort.ts';
import { ResolutionEventCache, type RejectedEventLookup } from './resolutionEventCache.ts';
import type { EventLoader } from './stateResolver.ts';
import { stateKey, type StateKeyTuple, type StateMap } from './stateMap.ts';

export interface StateResolutionV2Input {
  readonly roomId: string;
  readonly roomVersion: RoomVersion;
  readonly stateSets: readonly StateMap[];
  readonly loadEvents: EventLoader;
  /** The auth chain difference of the state sets' event IDs (see authChainDifference.ts). */
  readonly authChainDifference: AuthChainDifference;
  /** Which events were rejected on receipt; without it, none are. */
  readonly loadRejected?: RejectedEventLookup;
}

const POWER_LEVELS_KEY = stateKey('m.room.power_levels', '');

/** The resolved state of `stateSets`. */
export async function resolveStateV2(input: StateResolutionV2Input): Promise<Map<StateKeyTuple, string>> {
  const { stateSets, roomVersion } = input;
  if (stateSets.length === 0) return new Map();
  if (stateSets.length === 1) return new Map(stateSets[0]);

  const { unconflicted, conflicted } = separateStateV2(stateSets);
  if (conflicted.size === 0) return unconflicted;

  const authDifference = await input.authChainDifference(stateSets.map((set) => new Set(set.values())));
  const events = new ResolutionEventCache(input.roomId, input.loadEvents, input.loadRejected);
  const candidates = new Set<string>(authDifference);
  for (const ids of conflicted.values()) for (const id of ids) candidates.add(id);
  await events.load(candidates);
  const fullConflictedSet = new Set([...candidates].filter((id) => events.get(id) !== undefined));

  // Steps 1 and 2: the power events and their auth chains within the full conflicted set, by power, then authed.
  const powerEvents = [...fullConflictedSet].filter((id) => isPowerEvent(events.get(id)!));
  const sortedPowerEvents = await reverseTopologicalPowerSort(powerEvents, fullConflictedSet, events);
  let resolved = await iterativeAuthChecks(sortedPowerEvents, unconflicted, events, roomVersion);

  // Steps 3 and 4: everything else, in mainline order of the power levels just resolved, then authed.
  const sortedAsPower = new Set(sortedPowerEvents);
  const leftover = [...fullConflictedSet].filter((id) => !sortedAsPower.has(id));
  const sortedLeftover = await mainlineSort(leftover, resolved.get(POWER_LEVELS_KEY), events);
  resolved = await iterativeAuthChecks(sortedLeftover, resolved, events, roomVersion);

  // Step 5: unconflicted state always wins.
  for (const [key, id] of unconflicted) resolved.set(key, id);
  return resolved;
}

/**
 * v2's split: a key is unconflicted only when every state set has it with the same event; a key missing from
 * some set is conflicted (unlike v1).
 */
export function separateStateV2(stateSets: readonly StateMap[]): {
  unconflicted: Map<StateKeyTuple, string>;
  conflicted: Map<StateKeyTuple, Set<string>>;
} {
  const unconflicted = new Map<StateKeyTuple, string>();
  const conflicted = new Map<StateKeyTuple, Set<string>>();
  const keys = new Set<StateKeyTuple>();
  for (const set of stateSets) for (const key of set.keys()) keys.add(key);
  for (const key of keys) {
    const values = stateSets.map((set) => set.get(key));
    const first = values[0];
    if (first !== undefined && values.every((v) => v === first)) {
      unconflicted.set(key, first);
    } else {
      conflicted.set(key, new Set(values.filter((v): v is string => v !== undefined)));
    }
  }
  return { unconflicted, conflicted };
}

/** Events that may take someone's abilities away (plus the create event, as Synapse counts it). */
export function isPowerEvent(event: RoomEvent): boolean {
  if (event.stateKey === '' && (event.type === 'm.room.power_levels' || event.type === 'm.room.join_rules' || event.type === 'm.room.create')) {
    return true;
  }
  if (event.type === 'm.room.member' && (event.membership === 'leave' || event.membership === 'ban')) {
    return event.sender !== event.stateKey;
  }
  return false;
}

/**
 * The reverse topological power ordering of `powerEvents` together with their auth chains inside the full
 * conflicted set: auth events first, and among the ready events the sender with more power first, then the
 * earlier `origin_server_ts`, then the smaller event ID.
 */
export async function reverseTopologicalPowerSort(
  powerEvents: readonly string[],
  fullConflictedSet: ReadonlySet<string>,
  events: ResolutionEventCache,
): Promise<string[]> {
  const graph = new Map<string, Set<string>>();
  for (const start of powerEvents) {
    const stack = [start];
    while (stack.length > 0) {
      const id = stack.pop()!;
      let edges = graph.get(id);
      if (!edges) graph.set(id, (edges = new Set()));
      for (const authId of events.get(id)!.authEventIds) {
        if (!fullConflictedSet.has(authId)) continue;
        if (!graph.has(authId)) stack.push(authId);
        edges.add(authId);
      }
    }
  }

  const vertices = [...graph.keys()];
  await events.load(vertices.flatMap((id) => events.get(id)!.authEventIds));
  const senderLevel = new Map(vertices.map((id) => [id, senderPowerLevel(events.get(id)!, events)]));
  return lexicographicalTopologicalSort(graph, (a, b) => {
    const ea = events.get(a)!;
    const eb = events.get(b)!;
    return senderLevel.get(b)! - senderLevel.get(a)! || ea.originServerTs - eb.originServerTs || compareEventIds(a, b);
  });
}

/**
 * The sender's power level as the event's own auth events say (its auth events must be loaded): the power levels
 * event there, or without one 100 for the room's creator and 0 for anyone else. Unreadable levels count as 0.
 */
export function senderPowerLevel(event: RoomEvent, events: ResolutionEventCache): number {
  let powerLevels: RoomEvent | undefined;
  let create: RoomEvent | undefined;
  for (const authId of event.authEventIds) {
    const authEvent = events.get(authId);
    if (authEvent?.stateKey !== '') continue;
    if (authEvent.type === 'm.room.power_levels') powerLevels ??= authEvent;
    else if (authEvent.type === 'm.room.create') create ??= authEvent;
  }
  try {
    return PowerLevels.fromState(powerLevels, create, event.roomVersion).userLevel(event.sender);
  } catch (error) {
    if (error instanceof AuthError) return 0;
    throw error;
  }
}

/**
 * Applies `eventIds` in order to `baseState`, keeping each event that the auth rules allow against the state so
 * far. Keys the rules need that the state lacks come from the event's own (not rejected) auth events.
 */
export async function iterativeAuthChecks(
  eventIds: readonly string[],
  baseState: ReadonlyMap<StateKeyTuple, string>,
  events: ResolutionEventCache,
  roomVersion: RoomVersion,
): Promise<Map<StateKeyTuple, string>> {
  const resolved = new Map(baseState);
  const authKeysOf = new Map<string, StateKeyTuple[]>();
  const needed = new Set<string>();
  for (const id of eventIds) {
    const event = events.get(id)!;
    const keys = selectAuthEventStateKeys(authEventCandidateOf(event), roomVersion);
    authKeysOf.set(id, keys);
    for (const authId of event.authEventIds) needed.add(authId);
    for (const key of keys) {
      const current = baseState.get(key);
      if (current !== undefined) needed.add(current);
    }
  }
  await events.load(needed);

  for (const id of eventIds) {
    const event = events.get(id)!;
    const key = event.stateKey === null ? null : stateKey(event.type, event.stateKey);
    if (key === null || events.isRejected(id)) continue;

    const authState = new Map<StateKeyTuple, RoomEvent>();
    for (const authId of event.authEventIds) {
      const authEvent = events.get(authId);
      if (!authEvent || authEvent.stateKey === null || events.isRejected(authId)) continue;
      authState.set(stateKey(authEvent.type, authEvent.stateKey), authEvent);
    }
    for (const authKey of authKeysOf.get(id)!) {
      const currentId = resolved.get(authKey);
      if (currentId === undefined || events.isRejected(currentId)) continue;
      const current = events.get(currentId);
      if (current) authState.set(authKey, current);
    }

    try {
      checkEventAuthAgainstState(event, authState);
      resolved.set(key, id);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
    }
  }
  return resolved;
}

/**
 * Orders events by their mainline position relative to `powerLevelsId` (earlier power levels first), then by
 * `origin_server_ts`, then by event ID. An event's position is found by following power levels auth events until
 * one on the mainline; events that reach none come first.
 */
export async function mainlineSort(eventIds: readonly string[], powerLevelsId: string | undefined, events: ResolutionEventCache): Promise<string[]> {
  if (eventIds.length === 0) return [];

  /** The power levels event among an event's auth events (loading them first). */
  const powerLevelsAuthEvent = async (event: RoomEvent): Promise<RoomEvent | undefined> => {
    await events.load(event.authEventIds);
    for (const authId of event.authEventIds) {
      const authEvent = events.get(authId);
      if (authEvent?.type === 'm.room.power_levels' && authEvent.stateKey === '') return authEvent;
    }
    return undefined;
  };

  const mainline: string[] = [];
  const onMainline = new Set<string>();
  let next = powerLevelsId;
  while (next !== undefined && !onMainline.has(next)) {
    mainline.push(next);
    onMainline.add(next);
    await events.load([next]);
    const current = events.get(next);
    next = current ? (await powerLevelsAuthEvent(current))?.eventId : undefined;
  }
  // 1 for the oldest power levels of the mainline, growing towards the resolved one; 0 is "reaches none".
  const mainlineDepth = new Map(mainline.map((id, i) => [id, mainline.length - i]));

  await events.load(eventIds.flatMap((id) => events.get(id)!.authEventIds));
  const depthOf = new Map<string, number>();
  for (const id of eventIds) {
    let depth = 0;
    const visited = new Set<string>();
    let current: RoomEvent | undefined = events.get(id);
    while (current && !visited.has(current.eventId)) {
      visited.add(current.eventId);
      const known = mainlineDepth.get(current.eventId);
      if (known !== undefined) {
        depth = known;
        break;
      }
      current = await powerLevelsAuthEvent(current);
    }
    depthOf.set(id, depth);
  }

  return [...eventIds].sort(
    (a, b) => depthOf.get(a)! - depthOf.get(b)! || events.get(a)!.originServerTs - events.get(b)!.originServerTs || compareEventIds(a, b),
  );
}
