/**
 * The authorisation rules of room versions 1 to 11 (rooms/v1.md ... v11.md). Version differences are the flags
 * of RoomVersion; the rules are numbered here as from v3 (v1/v2 add the `m.room.aliases` rule 4 and the
 * redaction rule 11, shifting the others by one).
 *
 * `checkAuthEventsList` is rule 2 (the event's own auth events). `checkEventAuthAgainstState` is everything else,
 * against any state: the auth events, the state before the event, or the current state (soft failure), so state
 * resolution can call it with a state map. `checkEventAuth` does both for an event and its auth events.
 * All of them throw AuthError, and only AuthError, whatever JSON the contents hold.
 */
import { domainOf } from '../events/identifiers.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import { isKnownRoomVersion } from '../events/roomVersions.ts';
import { AuthContext, hasSignatureFrom, type EventAuthOptions } from './authContext.ts';
import { AuthError } from './authError.ts';
import { authEventCandidateOf, selectAuthEventStateKeys } from './authEventSelection.ts';
import { checkMemberEvent } from './membershipAuth.ts';
import { checkPowerLevelsChange } from './powerLevelsChangeAuth.ts';
import { authStateFromEvents, stateKey, stateKeyOf, type AuthState, type StateKeyTuple } from './stateKey.ts';

export type { EventAuthOptions } from './authContext.ts';

/** Rule 1: an `m.room.create` event. Needs no state. */
export function checkCreateEvent(event: RoomEvent): void {
  if (event.prevEventIds.length > 0 || (event.pdu.prev_events?.length ?? 0) > 0) {
    throw new AuthError('m.room.create must not have prev_events');
  }
  const roomDomain = domainOf(event.roomId);
  if (roomDomain === null || roomDomain !== domainOf(event.sender)) {
    throw new AuthError(`m.room.create: the domain of room ID ${event.roomId} is not the sender's (${event.sender})`);
  }
  const roomVersion = event.content.room_version;
  if (roomVersion !== undefined && !isKnownRoomVersion(roomVersion)) {
    throw new AuthError(`m.room.create: unknown room_version ${JSON.stringify(roomVersion)}`);
  }
  if (!event.roomVersion.implicitRoomCreator) {
    // Only presence, as the spec says: a non-string creator is accepted and simply never matches a user.
    if (event.content.creator === undefined) throw new AuthError('m.room.create: content has no creator');
  }
}

/**
 * Rule 2: the event's `auth_events`, given as events (in any order; every ID of `event.auth_events` exactly once).
 * `m.room.create` has none and passes (rule 1 decides it).
 */
export function checkAuthEventsList(event: RoomEvent, authEvents: readonly RoomEvent[], options: EventAuthOptions = {}): void {
  if (event.type === 'm.room.create') return;
  const listed = event.authEventIds;
  const listedSet = new Set(listed);
  if (listedSet.size !== listed.length) throw new AuthError('auth_events lists an event more than once');
  const provided = new Map(authEvents.map((e) => [e.eventId, e]));
  for (const e of authEvents) {
    if (!listedSet.has(e.eventId)) throw new AuthError(`${e.eventId} is not one of the event's auth_events`);
  }
  for (const id of listed) {
    if (!provided.has(id)) throw new AuthError(`auth event ${id} is missing`);
  }

  const allowed = new Set<StateKeyTuple>(selectAuthEventStateKeys(authEventCandidateOf(event), event.roomVersion));
  const seen = new Set<StateKeyTuple>();
  for (const authEvent of provided.values()) {
    const key = stateKeyOf(authEvent);
    if (key === null) throw new AuthError(`auth event ${authEvent.eventId} is not a state event`);
    if (seen.has(key)) throw new AuthError(`auth_events has two ${authEvent.type} events for state_key ${JSON.stringify(authEvent.stateKey)}`);
    seen.add(key);
  }
  for (const authEvent of provided.values()) {
    if (!allowed.has(stateKeyOf(authEvent)!)) {
      throw new AuthError(`auth event ${authEvent.type} (${JSON.stringify(authEvent.stateKey)}) is not one the event's auth events may include`);
    }
  }
  for (const authEvent of provided.values()) {
    if (options.isRejected?.(authEvent)) throw new AuthError(`auth event ${authEvent.eventId} was rejected`);
  }
  if (!seen.has(stateKey('m.room.create', ''))) throw new AuthError('auth_events has no m.room.create event');
  for (const authEvent of provided.values()) {
    if (authEvent.roomId !== event.roomId) throw new AuthError(`auth event ${authEvent.eventId} belongs to another room (${authEvent.roomId})`);
  }
}

/** Every rule but 2, against `state` (a state map, or the event's auth events as one). */
export function checkEventAuthAgainstState(event: RoomEvent, state: AuthState, options: EventAuthOptions = {}): void {
  checkEventIdSignature(event, options);
  if (event.type === 'm.room.create') return checkCreateEvent(event);

  const create = state.get(stateKey('m.room.create', ''));
  if (!create) throw new AuthError('no m.room.create event in the auth state');
  if (create.roomId !== event.roomId) throw new AuthError(`the m.room.create event belongs to another room (${create.roomId})`);
  const ctx = new AuthContext(event, state, options, create);
  const version = event.roomVersion;

  // Rule 3: a room not open to federation takes events only from the creating server's users.
  if (create.content['m.federate'] === false && event.senderDomain !== create.senderDomain) {
    throw new AuthError(`room is not federated: sender ${event.sender} is not on the creator's server ${create.senderDomain}`);
  }

  // v1-v5 rule 4: a server manages its own aliases, members or not.
  if (version.specialCaseAliasesAuth && event.type === 'm.room.aliases') {
    if (event.stateKey === null) throw new AuthError('m.room.aliases has no state_key');
    if (event.stateKey !== event.senderDomain) {
      throw new AuthError(`m.room.aliases: state_key ${JSON.stringify(event.stateKey)} is not the sender's domain ${event.senderDomain}`);
    }
    return;
  }

  if (event.type === 'm.room.member') return checkMemberEvent(ctx); // Rule 4.

  // Rule 5: everything else needs a joined sender.
  if (ctx.membershipOf(event.sender) !== 'join') throw new AuthError(`sender ${event.sender} is not joined to the room`);
  const senderLevel = ctx.levelOf(event.sender);

  // Rule 6: inviting by third-party ID is governed by the invite level, not by `events`.
  if (event.type === 'm.room.third_party_invite') {
    const invite = ctx.powerLevels.invite;
    if (senderLevel < invite) throw new AuthError(`power level of ${event.sender} (${senderLevel}) is below the invite level (${invite})`);
    return;
  }

  // Rule 7.
  const required = ctx.powerLevels.requiredLevel(event.type, event.isState());
  if (required > senderLevel) {
    throw new AuthError(`power level of ${event.sender} (${senderLevel}) is below the level required for ${event.type} (${required})`);
  }

  // Rule 8: a user-ID state key belongs to that user.
  if (event.stateKey !== null && event.stateKey.startsWith('@') && event.stateKey !== event.sender) {
    throw new AuthError(`state_key ${event.stateKey} is a user ID other than the sender's`);
  }

  // Rule 9.
  if (event.type === 'm.room.power_levels') {
    return checkPowerLevelsChange(event, ctx.get('m.room.power_levels', ''), senderLevel);
  }

  // v1/v2 rule 11; later versions leave redactions to "Handling redactions" (redactionAuth.ts).
  if (version.eventIdsHaveDomain && event.type === 'm.room.redaction') {
    const redact = ctx.powerLevels.redact;
    if (senderLevel >= redact) return;
    const target = event.redacts;
    if (target !== null && domainOf(target) !== null && domainOf(target) === domainOf(event.eventId)) return;
    throw new AuthError(
      `power level of ${event.sender} (${senderLevel}) is below the redact level (${redact}) and the redacted event is from another server`,
    );
  }
}

/** Rule 1, or rule 2 and the rest against the auth events themselves (step 4 of the checks on receipt of a PDU). */
export function checkEventAuth(event: RoomEvent, authEvents: readonly RoomEvent[], options: EventAuthOptions = {}): void {
  if (event.type !== 'm.room.create') checkAuthEventsList(event, authEvents, options);
  checkEventAuthAgainstState(event, authStateFromEvents(authEvents), options);
}

/** checkEventAuthAgainstState without throwing: the AuthError, or null when the event is allowed. */
export function authErrorAgainstState(event: RoomEvent, state: AuthState, options: EventAuthOptions = {}): AuthError | null {
  try {
    checkEventAuthAgainstState(event, state, options);
    return null;
  } catch (e) {
    if (e instanceof AuthError) return e;
    throw e;
  }
}

/**
 * v1/v2: event IDs carry a server name, and the event must be signed by that server (rooms/v3 "Authorisation
 * rules" note). From v3 event IDs are hashes and only the sender's server signs.
 */
function checkEventIdSignature(event: RoomEvent, options: EventAuthOptions): void {
  if (!event.roomVersion.eventIdsHaveDomain) return;
  const server = domainOf(event.eventId);
  if (server === null || server === '') throw new AuthError(`event ID ${event.eventId} has no server name`);
  const signed = (options.isSignedBy ?? hasSignatureFrom)(server, event);
  if (!signed) throw new AuthError(`event is not signed by ${server}, the server of its event ID`);
}
