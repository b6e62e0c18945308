/**
 * Auth events selection (server-server API, "Auth events selection"): the `(type, state_key)` pairs of the room
 * state that an event's `auth_events` must be drawn from. Handlers use it to pick auth events from the current
 * state when building an event; auth rule 2 uses it to refuse auth events that do not belong.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import type { RoomVersion } from '../events/roomVersions.ts';
import { isObject } from './jsonShape.ts';
import { stateKey, type StateKeyTuple } from './stateKey.ts';

/** What selection needs to know about the event being authorised (before it exists, when building one). */
export interface AuthEventCandidate {
  readonly type: string;
  readonly sender: string;
  /** null (or absent) for a message event. */
  readonly stateKey?: string | null;
  readonly content: JsonObject;
}

export interface AuthEventKey {
  readonly type: string;
  readonly stateKey: string;
}

/**
 * The pairs an event's auth events may have, in the spec's order, without duplicates. Empty for `m.room.create`.
 * Every room version 1 to 11 selects the create event. Odd content (a non-string token or authorising user)
 * simply selects nothing for that entry: rules further on reject such events with a clear reason.
 */
export function selectAuthEventKeys(candidate: AuthEventCandidate, roomVersion: RoomVersion): AuthEventKey[] {
  if (candidate.type === 'm.room.create') return [];
  const keys: AuthEventKey[] = [];
  const add = (type: string, sk: string) => {
    if (!keys.some((k) => k.type === type && k.stateKey === sk)) keys.push({ type, stateKey: sk });
  };
  add('m.room.create', '');
  add('m.room.power_levels', '');
  add('m.room.member', candidate.sender);

  const target = candidate.stateKey;
  if (candidate.type === 'm.room.member' && typeof target === 'string') {
    add('m.room.member', target);
    const membership = candidate.content.membership;
    if (membership === 'join' || membership === 'invite' || membership === 'knock') add('m.room.join_rules', '');
    if (membership === 'invite') {
      const token = thirdPartyInviteToken(candidate.content.third_party_invite);
      if (token !== null) add('m.room.third_party_invite', token);
    }
    if (membership === 'join' && roomVersion.restrictedJoinRule) {
      const authoriser = candidate.content.join_authorised_via_users_server;
      if (typeof authoriser === 'string') add('m.room.member', authoriser);
    }
  }
  return keys;
}

/** The selection as state keys, for lookups in a state map. */
export function selectAuthEventStateKeys(candidate: AuthEventCandidate, roomVersion: RoomVersion): StateKeyTuple[] {
  return selectAuthEventKeys(candidate, roomVersion).map((k) => stateKey(k.type, k.stateKey));
}

/** The candidate view of an existing event. */
export function authEventCandidateOf(event: RoomEvent): AuthEventCandidate {
  return { type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content };
}

/** `content.third_party_invite.signed.token` when it is a string. */
export function thirdPartyInviteToken(thirdPartyInvite: JsonValue | undefined): string | null {
  if (!isObject(thirdPartyInvite)) return null;
  const signed = thirdPartyInvite.signed;
  if (!isObject(signed)) return null;
  return typeof signed.token === 'string' ? signed.token : null;
}
