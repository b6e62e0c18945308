/**
 * Checks that untrusted JSON is a well-formed PDU of a room version (server-server API, "Checks performed on
 * receipt of a PDU", step 1, and the client-server "Size limits"). Returns every problem found, each naming the
 * field, so callers can answer with a precise error.
 */
import { canonicalJson, CanonicalJsonError, MAX_SAFE_CANONICAL_INT, type JsonObject, type JsonValue } from '../crypto/canonicalJson.ts';
import type { Pdu } from './pdu.ts';
import { EventFormat, type RoomVersion } from './roomVersions.ts';
import { isAcceptableUserId, isValidEventId, isValidRoomId } from './identifiers.ts';

export const MAX_PDU_BYTES = 65536;
export const MAX_ID_BYTES = 255;
export const MAX_PREV_EVENTS = 20;
export const MAX_AUTH_EVENTS = 10;
/** Depth must stay below 2^63-1 (v1-v5, where canonical JSON is lenient) or 2^53-1 (v6+). */
const MAX_DEPTH_LENIENT = Number.MAX_SAFE_INTEGER;

export interface EventProblem {
  readonly field: string;
  readonly message: string;
}

export type PduValidation = { readonly ok: true; readonly pdu: Pdu } | { readonly ok: false; readonly problems: EventProblem[] };

export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  constructor(readonly problems: EventProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

export function validatePdu(value: unknown, roomVersion: RoomVersion): PduValidation {
  const problems: EventProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });

  if (!isObject(value)) return { ok: false, problems: [{ field: '(event)', message: 'must be a JSON object' }] };
  const event = value;

  let canonical: string | null = null;
  try {
    canonical = canonicalJson(event, { lenientNumbers: !roomVersion.strictCanonicalJson });
  } catch (e) {
    if (!(e instanceof CanonicalJsonError)) throw e;
    add('(event)', e.message);
  }
  if (canonical !== null && Buffer.byteLength(canonical) > MAX_PDU_BYTES) {
    add('(event)', `larger than ${MAX_PDU_BYTES} bytes as canonical JSON`);
  }

  checkIdString(event, 'type', add, (v) => v.length > 0);
  if (!isAcceptableUserId(event.sender)) add('sender', 'must be a user ID of at most 255 bytes');
  if (!isValidRoomId(event.room_id)) add('room_id', 'must be a room ID of at most 255 bytes');
  if ('state_key' in event) checkIdString(event, 'state_key', add, () => true);
  if (!isObject(event.content)) add('content', 'must be an object');
  if (!isInteger(event.origin_server_ts)) add('origin_server_ts', 'must be an integer');

  const maxDepth = roomVersion.strictCanonicalJson ? MAX_SAFE_CANONICAL_INT : MAX_DEPTH_LENIENT;
  if (!isInteger(event.depth) || event.depth < 0 || event.depth > maxDepth) {
    add('depth', `must be an integer from 0 to ${maxDepth}`);
  }

  if (!isObject(event.hashes) || typeof event.hashes.sha256 !== 'string') add('hashes', 'must have a sha256 string');
  if (!isSignatures(event.signatures)) add('signatures', 'must map server names to objects of key ID to signature');
  if ('unsigned' in event && !isObject(event.unsigned)) add('unsigned', 'must be an object');

  checkReferences(event, 'prev_events', MAX_PREV_EVENTS, roomVersion, add);
  checkReferences(event, 'auth_events', MAX_AUTH_EVENTS, roomVersion, add);

  if (roomVersion.eventFormat === EventFormat.V1 && !isValidEventId(event.event_id)) {
    add('event_id', 'must be an event ID of at most 255 bytes');
  }

  return problems.length === 0 ? { ok: true, pdu: event as unknown as Pdu } : { ok: false, problems };
}

/** validatePdu, throwing EventValidationError. */
export function assertValidPdu(value: unknown, roomVersion: RoomVersion): Pdu {
  const result = validatePdu(value, roomVersion);
  if (!result.ok) throw new EventValidationError(result.problems);
  return result.pdu;
}

function checkIdString(event: JsonObject, field: string, add: (f: string, m: string) => void, extra: (v: string) => boolean) {
  const value = event[field];
  if (typeof value !== 'string' || !extra(value)) {
    add(field, 'must be a string');
  } else if (Buffer.byteLength(value) > MAX_ID_BYTES) {
    add(field, `must be at most ${MAX_ID_BYTES} bytes`);
  }
}

function checkReferences(
  event: JsonObject,
  field: 'prev_events' | 'auth_events',
  max: number,
  roomVersion: RoomVersion,
  add: (f: string, m: string) => void,
) {
  const value = event[field];
  if (!Array.isArray(value)) {
    add(field, 'must be an array');
    return;
  }
  if (value.length > max) add(field, `must hold at most ${max} events`);
  const wellFormed =
    roomVersion.eventFormat === EventFormat.V1
      ? value.every((pair) => Array.isArray(pair) && pair.length === 2 && isValidEventId(pair[0]) && isObject(pair[1]))
      : value.every((id) => isValidEventId(id));
  if (!wellFormed) {
    add(field, roomVersion.eventFormat === EventFormat.V1 ? 'must be [event_id, hashes] pairs' : 'must be event IDs');
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function isSignatures(value: JsonValue | undefined): boolean {
  return isObject(value) && Object.values(value).every((s) => isObject(s) && Object.values(s).every((v) => typeof v === 'string'));
}
