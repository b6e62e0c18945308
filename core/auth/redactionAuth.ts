/**
 * "Handling redactions" (rooms/fragments/v3-handling-redactions.md): the auth rules accept a redaction from v3
 * whatever it targets, so before applying one the server checks that its sender may redact that event: they have
 * the redact level, or they are on the same server as the original event's sender. v1/v2 decide this in the auth
 * rules (rule 11) by comparing event ID domains; this helper applies that rule there, so callers need not care.
 */
import { domainOf } from '../events/identifiers.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import { AuthError } from './authError.ts';
import { PowerLevels } from './powerLevels.ts';
import { stateKey, type AuthState } from './stateKey.ts';

/**
 * Throws AuthError unless `redaction` may redact `target`, with power levels from `state` (the state at the
 * redaction). A redaction whose `redacts` is missing or not a string redacts nothing and is refused here.
 */
export function checkRedactionAllowed(redaction: RoomEvent, target: RoomEvent, state: AuthState): void {
  if (redaction.type !== 'm.room.redaction') throw new AuthError(`${redaction.eventId} is not a redaction`);
  const redacts = redaction.redacts;
  if (redacts === null) throw new AuthError('the redaction has no (string) redacts');
  if (redacts !== target.eventId) throw new AuthError(`the redaction targets ${redacts}, not ${target.eventId}`);
  if (target.roomId !== redaction.roomId) throw new AuthError('the redacted event is in another room');

  const levels = PowerLevels.fromState(
    state.get(stateKey('m.room.power_levels', '')),
    state.get(stateKey('m.room.create', '')),
    redaction.roomVersion,
  );
  const senderLevel = levels.userLevel(redaction.sender);
  if (senderLevel >= levels.redact) return;

  if (redaction.roomVersion.eventIdsHaveDomain) {
    const domain = domainOf(redaction.eventId);
    if (domain !== null && domain === domainOf(target.eventId)) return;
  } else if (redaction.senderDomain === target.senderDomain) {
    return;
  }
  throw new AuthError(
    `power level of ${redaction.sender} (${senderLevel}) is below the redact level (${levels.redact}) and ${target.eventId} is from another server`,
  );
}

/** checkRedactionAllowed as a boolean. */
export function isRedactionAllowed(redaction: RoomEvent, target: RoomEvent, state: AuthState): boolean {
  try {
    checkRedactionAllowed(redaction, target, state);
    return true;
  } catch (e) {
    if (e instanceof AuthError) return false;
    throw e;
  }
}
