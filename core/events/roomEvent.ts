/**
 * A room event (PDU) of a known room version, wrapping its immutable wire JSON. Accessors never throw on the
 * optional parts of an event; in particular `redacts` is null when absent (SEED-BEHAVIOURS.md §5).
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { computeEventId } from './eventId.ts';
import type { Pdu } from './pdu.ts';
import { EventFormat, type RoomVersion } from './roomVersions.ts';
import { domainOf } from './identifiers.ts';

/** Facts about an event that are ours, not part of the PDU (persisted beside it). */
export interface EventInternalMetadata {
  /** Stored without being part of the room's DAG or state (fetched for auth, or an out-of-band invite). */
  outlier?: boolean;
  /** Passed auth against its own state but not against current state: kept, not shown, not forwarded. */
  softFailed?: boolean;
  /** The access token's device and transaction ID that created it locally, for idempotent sends. */
  txnId?: string;
  deviceId?: string;
  /** Position in the events stream once persisted. */
  streamOrdering?: number;
  /** The state event this one replaced (clients get its content as `unsigned.prev_content`). */
  replacesState?: string;
  /**
   * For a redaction whose sender is on another server than the target's sender: the sender had the redact
   * level when it was checked, so the redaction applies ("Handling redactions").
   */
  redactionAuthorised?: boolean;
  /** History fetched from another server: placed before everything live, never changes current state. */
  backfilled?: boolean;
  /** For an invite received over federation: the stripped room state the inviting server sent with it. */
  inviteRoomState?: JsonObject[];
}

export class RoomEvent {
  readonly eventId: string;
  readonly internal: EventInternalMetadata;

  private constructor(
    readonly pdu: Readonly<Pdu>,
    readonly roomVersion: RoomVersion,
    eventId: string,
    internal: EventInternalMetadata,
  ) {
    this.eventId = eventId;
    this.internal = internal;
  }

  /**
   * Wraps an already-validated PDU (see validatePdu). Throws only when a v1/v2 event has no `event_id`,
   * which validation refuses first.
   */
  static fromPdu(pdu: Pdu, roomVersion: RoomVersion, internal: EventInternalMetadata = {}): RoomEvent {
    const eventId = computeEventId(pdu, roomVersion);
    if (eventId === null) throw new Error('event has no event_id');
    return new RoomEvent(pdu, roomVersion, eventId, internal);
  }

  /** For storage: wrap a PDU whose ID is already known, without re-hashing it. */
  static fromTrusted(pdu: Pdu, roomVersion: RoomVersion, eventId: string, internal: EventInternalMetadata = {}): RoomEvent {
    return new RoomEvent(pdu, roomVersion, eventId, internal);
  }

  get type(): string {
    return this.pdu.type;
  }
  get sender(): string {
    return this.pdu.sender;
  }
  get roomId(): string {
    return this.pdu.room_id;
  }
  get content(): JsonObject {
    return this.pdu.content;
  }
  get originServerTs(): number {
    return this.pdu.origin_server_ts;
  }
  get depth(): number {
    return this.pdu.depth;
  }
  /** The state key, or null for a message (non-state) event. */
  get stateKey(): string | null {
    return typeof this.pdu.state_key === 'string' ? this.pdu.state_key : null;
  }
  isState(): boolean {
    return this.stateKey !== null;
  }
  /** The server the sender belongs to. */
  get senderDomain(): string {
    return domainOf(this.pdu.sender) ?? '';
  }
  /** `m.room.member`'s membership, or null for other events or a malformed one. */
  get membership(): string | null {
    const membership = this.pdu.content.membership;
    return typeof membership === 'string' ? membership : null;
  }

  get prevEventIds(): string[] {
    return referenceIds(this.pdu.prev_events, this.roomVersion);
  }
  get authEventIds(): string[] {
    return referenceIds(this.pdu.auth_events, this.roomVersion);
  }

  /**
   * The raw value naming the redacted event: `content.redacts` from v11, the top-level `redacts` before.
   * Undefined when absent. May have any JSON type in a malformed event.
   */
  get rawRedacts(): JsonValue | undefined {
    if (this.pdu.type !== 'm.room.redaction') return undefined;
    return this.roomVersion.redactsInContent ? this.pdu.content.redacts : this.pdu.redacts;
  }

  /** The ID of the event this redaction targets, or null (not a redaction, absent, or not a string). */
  get redacts(): string | null {
    const raw = this.rawRedacts;
    return typeof raw === 'string' ? raw : null;
  }

  /** The wire JSON without `unsigned` (which is per-recipient and never stored as part of the event). */
  toPduJson(): Pdu {
    const { unsigned: _u, ...rest } = this.pdu;
    return rest as Pdu;
  }
}

function referenceIds(value: Pdu['prev_events'] | undefined, roomVersion: RoomVersion): string[] {
  if (!Array.isArray(value)) return [];
  if (roomVersion.eventFormat === EventFormat.V1) {
    return value.flatMap((pair) => (Array.isArray(pair) && typeof pair[0] === 'string' ? [pair[0]] : []));
  }
  return value.filter((id): id is string => typeof id === 'string');
}
