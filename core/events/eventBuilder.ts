/**
 * Builds, hashes and signs a new event of this server. The caller has already chosen prev and auth events
 * (auth selection and state are the handlers' business); the builder fills in the format of the room version.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { MAX_SAFE_CANONICAL_INT } from '../crypto/canonicalJson.ts';
import type { SigningKey } from '../crypto/signingKey.ts';
import { hashAndSignNewEvent, hashAndSignNewEventOffThread, type SignedNewEvent } from './eventSigning.ts';
import { computeEventId, newDomainEventId } from './eventId.ts';
import { encodeBase64, encodeBase64Url } from '../crypto/base64.ts';
import type { Pdu, UnsignedPdu } from './pdu.ts';
import { RoomEvent, type EventInternalMetadata } from './roomEvent.ts';
import { EventFormat, RedactionAlgorithm, type RoomVersion } from './roomVersions.ts';
import { assertValidPdu } from './eventValidation.ts';

export interface EventTemplate {
  readonly type: string;
  readonly roomId: string;
  readonly sender: string;
  readonly content: JsonObject;
  readonly stateKey?: string;
  /** The events this one follows (the room's forward extremities). Their depths give this event's depth. */
  readonly prevEvents: readonly RoomEvent[];
  readonly authEventIds: readonly string[];
  /** For `m.room.redaction`: the target, placed where the room version wants it (and in content from v11). */
  readonly redacts?: string;
  readonly originServerTs?: number;
}

export interface EventSigner {
  readonly serverName: string;
  readonly signingKey: SigningKey;
}

/** The depth rule: one more than the deepest prev event, capped at the largest allowed integer. */
export function depthAfter(prevEvents: readonly RoomEvent[]): number {
  const deepest = prevEvents.reduce((max, e) => Math.max(max, e.depth), 0);
  return Math.min(deepest + 1, MAX_SAFE_CANONICAL_INT);
}

/**
 * The unsigned, unhashed event a template describes, without an event ID: what a resident server hands out from
 * make_join / make_leave for the joining server to complete.
 */
export function buildUnsignedEvent(template: EventTemplate, roomVersion: RoomVersion, origin: string): UnsignedPdu {
  const reference = (id: string) => (roomVersion.eventFormat === EventFormat.V1 ? [id, {}] : id);
  const content: JsonObject = { ...template.content };
  const unsigned: UnsignedPdu = {
    type: template.type,
    room_id: template.roomId,
    sender: template.sender,
    content,
    origin_server_ts: template.originServerTs ?? Date.now(),
    depth: depthAfter(template.prevEvents),
    prev_events: template.prevEvents.map((e) => reference(e.eventId)) as Pdu['prev_events'],
    auth_events: template.authEventIds.map(reference) as Pdu['auth_events'],
  };
  if (template.stateKey !== undefined) unsigned.state_key = template.stateKey;
  if (template.redacts !== undefined) {
    // Before v11 `redacts` is top-level; v11 moves it into content (SEED-BEHAVIOURS.md §5).
    if (roomVersion.redactsInContent) content.redacts = template.redacts;
    else unsigned.redacts = template.redacts;
  }
  if (roomVersion.redaction !== RedactionAlgorithm.V11) {
    // `origin` is protected from redaction before v11, so servers of those versions expect it.
    unsigned.origin = origin;
  }
  return unsigned;
}

/**
 * Completes an unsigned event (ours, or a template from another server): gives it an event ID where the room
 * version carries one, hashes and signs it, and checks the result is a valid PDU (throws EventValidationError).
 */
export function completeEvent(unsigned: UnsignedPdu | JsonObject, roomVersion: RoomVersion, signer: EventSigner, internal: EventInternalMetadata = {}): RoomEvent {
  const signed = hashAndSignNewEvent(toComplete(unsigned, roomVersion, signer), roomVersion, signer.serverName, signer.signingKey);
  return completedEvent(signed, roomVersion, internal);
}

/**
 * completeEvent with the ed25519 signature computed on the thread pool: for the send path, where other requests
 * can use the event loop meanwhile.
 */
export async function completeEventOffThread(unsigned: UnsignedPdu | JsonObject, roomVersion: RoomVersion, signer: EventSigner, internal: EventInternalMetadata = {}): Promise<RoomEvent> {
  const signed = await hashAndSignNewEventOffThread(toComplete(unsigned, roomVersion, signer), roomVersion, signer.serverName, signer.signingKey);
  return completedEvent(signed, roomVersion, internal);
}

function toComplete(unsigned: UnsignedPdu | JsonObject, roomVersion: RoomVersion, signer: EventSigner): JsonObject {
  const event: JsonObject = { ...(unsigned as JsonObject) };
  delete event.signatures;
  delete event.hashes;
  delete event.unsigned;
  if (roomVersion.eventFormat === EventFormat.V1) event.event_id = newDomainEventId(signer.serverName);
  else delete event.event_id;
  return event;
}

function completedEvent({ signed, referenceHash }: SignedNewEvent<JsonObject>, roomVersion: RoomVersion, internal: EventInternalMetadata): RoomEvent {
  const pdu = assertValidPdu(signed, roomVersion);
  const eventId =
    referenceHash === null || roomVersion.eventFormat === EventFormat.V1
      ? computeEventId(pdu, roomVersion)
      : '$' + (roomVersion.eventFormat === EventFormat.V2 ? encodeBase64(referenceHash) : encodeBase64Url(referenceHash));
  if (eventId === null) throw new Error('event has no event_id');
  return RoomEvent.fromTrusted(pdu, roomVersion, eventId, internal);
}

export function buildEvent(
  template: EventTemplate,
  roomVersion: RoomVersion,
  signer: EventSigner,
  internal: EventInternalMetadata = {},
): RoomEvent {
  return completeEvent(buildUnsignedEvent(template, roomVersion, signer.serverName), roomVersion, signer, internal);
}
