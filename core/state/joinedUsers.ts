/**
 * Who is joined at a state, computed incrementally from the previous state's answer plus the state delta
 * (SEED-BEHAVIOURS.md §1). Only `m.room.member` deltas may change the answer: a custom state event whose
 * state_key happens to be a user ID (e.g. `m.status` keyed `@bob:hs`) must not remove Bob.
 */
import type { RoomEvent } from '../events/roomEvent.ts';
import { domainOf } from '../events/identifiers.ts';
import { parseStateKey, type StateKeyTuple, type StateMap } from './stateMap.ts';

export interface MemberProfile {
  readonly displayName: string | null;
  readonly avatarUrl: string | null;
}

export type JoinedUsers = ReadonlyMap<string, MemberProfile>;

export function profileOf(memberEvent: RoomEvent): MemberProfile {
  const { displayname, avatar_url } = memberEvent.content;
  return {
    displayName: typeof displayname === 'string' ? displayname : null,
    avatarUrl: typeof avatar_url === 'string' ? avatar_url : null,
  };
}

/** The joined users of a full state, given its member events. */
export function joinedUsersOfState(state: StateMap, events: ReadonlyMap<string, RoomEvent>): Map<string, MemberProfile> {
  const joined = new Map<string, MemberProfile>();
  for (const [key, eventId] of state) {
    const { type, stateKey } = parseStateKey(key);
    if (type !== 'm.room.member') continue;
    const event = events.get(eventId);
    if (event?.membership === 'join') joined.set(stateKey, profileOf(event));
  }
  return joined;
}

/** The state entries of a delta that can change membership: the `m.room.member` ones. */
export function memberKeysOf(keys: Iterable<StateKeyTuple>): Map<StateKeyTuple, string> {
  const members = new Map<StateKeyTuple, string>();
  for (const key of keys) {
    const { type, stateKey } = parseStateKey(key);
    if (type === 'm.room.member') members.set(key, stateKey);
  }
  return members;
}

export interface MembershipDelta {
  /** Keys whose event changed or appeared, with the new event ID. */
  readonly toInsert: ReadonlyMap<StateKeyTuple, string>;
  /** Keys that disappeared. */
  readonly toDelete: readonly StateKeyTuple[];
}

/**
 * Starting from `previous`, clears every user whose *member* key changed, then adds back those whose new
 * membership is `join` (with the new profile). Non-member keys are ignored whatever their state_key.
 */
export function applyMembershipDelta(
  previous: JoinedUsers,
  delta: MembershipDelta,
  events: ReadonlyMap<string, RoomEvent>,
): Map<string, MemberProfile> {
  const next = new Map(previous);
  const changedMembers = memberKeysOf([...delta.toInsert.keys(), ...delta.toDelete]);
  for (const userId of changedMembers.values()) next.delete(userId);
  for (const [key, userId] of changedMembers) {
    const eventId = delta.toInsert.get(key);
    if (eventId === undefined) continue;
    const event = events.get(eventId);
    if (!event) throw new Error(`member event ${eventId} of the delta was not provided`);
    if (event.membership === 'join') next.set(userId, profileOf(event));
  }
  return next;
}

/** The servers of the joined users. */
export function hostsOf(joined: Iterable<string>): Set<string> {
  const hosts = new Set<string>();
  for (const userId of joined) {
    const domain = domainOf(userId);
    if (domain !== null) hosts.add(domain);
  }
  return hosts;
}
