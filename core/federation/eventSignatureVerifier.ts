/**
 * Signature and hash checks on a received event (server-server API, "Validating hashes and signatures on
 * received events"): it must be signed by the sender's server, by the server of its event ID in room versions
 * 1 and 2, and by the authorising server of a restricted join; keys must be valid at the event's time from room
 * version 5. A wrong content hash does not reject the event: it is redacted, as the spec requires.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import { RoomEvent } from '../events/roomEvent.ts';
import { redactEvent } from '../events/redaction.ts';
import { hasValidContentHash } from '../events/eventSigning.ts';
import type { Pdu } from '../events/pdu.ts';
import type { KeyRing } from './keyRing.ts';

/** The servers whose signatures an event needs. */
export function requiredSigningServers(event: RoomEvent): string[] {
  const servers = new Set<string>([event.senderDomain]);
  if (event.roomVersion.eventIdsHaveDomain) {
    const domain = domainOf(event.eventId);
    if (domain) servers.add(domain);
  }
  if (event.roomVersion.restrictedJoinRule && event.type === 'm.room.member' && event.membership === 'join') {
    const authoriser = event.content.join_authorised_via_users_server;
    if (typeof authoriser === 'string') {
      const domain = domainOf(authoriser);
      if (domain) servers.add(domain);
    }
  }
  return [...servers];
}

export type SignatureVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export async function verifyEventSignatures(event: RoomEvent, keyRing: KeyRing): Promise<SignatureVerdict> {
  const redacted = redactEvent(event.pdu, event.roomVersion);
  // From v5 a key must have been valid when the event was made; before, any key the server has published will do.
  const at = event.roomVersion.enforceKeyValidity ? event.originServerTs : 0;
  for (const server of requiredSigningServers(event)) {
    if (!(await keyRing.isSignedBy(event.pdu as JsonObject, server, at, redacted))) {
      return { ok: false, reason: `event ${event.eventId} is not validly signed by ${server}` };
    }
  }
  return { ok: true };
}

/**
 * The event as it must be kept: itself when its content hash matches, else its redacted form (same event ID,
 * since IDs and signatures cover the redacted form).
 */
export function applyContentHashCheck(event: RoomEvent): RoomEvent {
  if (hasValidContentHash(event.pdu as JsonObject, event.roomVersion)) return event;
  const redacted = redactEvent(event.pdu, event.roomVersion) as Pdu;
  return RoomEvent.fromTrusted(redacted, event.roomVersion, event.eventId, { ...event.internal });
}
