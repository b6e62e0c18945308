/**
 * The wire form of a persistent data unit (PDU), the federation event format, for room versions 1 to 11.
 * Fields are typed as they must be in a *valid* event; anything that arrives from outside is checked by
 * eventValidation.ts before it is treated as one of these.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';

/** `[event_id, {sha256: ...}]` in room versions 1 and 2. */
export type EventReferenceV1 = [string, { sha256?: string }];

export interface PduJson extends JsonObject {
  type: string;
  sender: string;
  room_id: string;
  content: JsonObject;
  origin_server_ts: number;
  depth: number;
  prev_events: string[] | EventReferenceV1[];
  auth_events: string[] | EventReferenceV1[];
  hashes: { sha256: string } & JsonObject;
  signatures: Record<string, Record<string, string>>;
}

/** Optional members, present only on some events or some room versions. */
export interface PduOptionalFields {
  state_key?: string;
  /** Room versions 1 and 2 only. */
  event_id?: string;
  /** Top-level `redacts` of `m.room.redaction` before v11. */
  redacts?: JsonValue;
  /** Room versions before v11 protect these from redaction; servers still send `origin`. */
  origin?: string;
  unsigned?: JsonObject;
  prev_state?: JsonValue;
  membership?: JsonValue;
}

export type Pdu = PduJson & PduOptionalFields;

/** An event before hashing and signing: what the builder fills in. */
export type UnsignedPdu = Omit<Pdu, 'hashes' | 'signatures'> & { hashes?: Pdu['hashes']; signatures?: Pdu['signatures'] };
