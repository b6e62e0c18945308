/**
 * Reading events: by ID (cached, with list lookups that fetch only what is missing), the redactions that apply
 * to them, and what the DAG tables say about rooms (forward extremities, which events are held).
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';
import type { CachedListFunction } from '../../cache/cachedListFunction.ts';
import { RoomEvent, type EventInternalMetadata } from '../../../events/roomEvent.ts';
import { getRoomVersion, isKnownRoomVersion } from '../../../events/roomVersions.ts';
import type { Pdu } from '../../../events/pdu.ts';
import { EventTxnIds } from './eventTxnIds.ts';

/** An event as stored, with what storage knows about it. Shared between callers: never mutate. */
export interface StoredEvent {
  readonly event: RoomEvent;
  readonly streamOrdering: number;
  readonly outlier: boolean;
  readonly softFailed: boolean;
  readonly rejectedReason: string | null;
  /** IDs of redactions that target this event (whether they apply is the reader's decision: see redactionsApplying). */
  readonly redactionIds: readonly string[];
}

/** An event's rows as stored (events, event_json, rejections), as read back or as just written. */
export interface StoredEventRow {
  readonly event_id: string;
  readonly stream_ordering: number;
  readonly outlier: number;
  readonly soft_failed: number;
  readonly room_version: string;
  readonly internal_metadata: string;
  readonly json: string;
  readonly reason: string | null;
  /** `json` and `internal_metadata` as objects, when the writer still holds them (saves parsing them back). */
  readonly parsed?: { readonly pdu: Pdu; readonly internal: EventInternalMetadata; readonly redactionIds: readonly string[] };
}

export class EventsReadStore {
  readonly getEvent: CachedFunction<[eventId: string], StoredEvent | null>;
  readonly getEvents: CachedListFunction<[], string, StoredEvent | null>;
  /** The room's forward extremities (the events new events follow). Prefilled after persistence. */
  readonly getLatestEventIdsInRoom: CachedFunction<[roomId: string], string[]>;
  readonly getRoomVersionId: CachedFunction<[roomId: string], string | null>;
  /** Transaction IDs of recent sends; the persistence controller adds to it at each commit. */
  readonly txnIds: EventTxnIds;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
    options: { readonly eventsWriter: boolean },
  ) {
    this.txnIds = new EventTxnIds(db, { readsNewRows: !options.eventsWriter });
    this.getEvent = caches.cached({ name: 'getEvent', maxEntries: 10_000 }, (eventId: string) => this.fetchEvents([eventId]).get(eventId) ?? null);
    this.getEvents = caches.cachedList(this.getEvent, (eventIds: string[]) => this.fetchEvents(eventIds));
    this.getLatestEventIdsInRoom = caches.cached({ name: 'getLatestEventIdsInRoom', maxEntries: 5_000 }, (roomId: string) =>
      this.db.prepare('SELECT event_id FROM event_forward_extremities WHERE room_id = ? ORDER BY event_id').pluck().all(roomId) as string[],
    );
    this.getRoomVersionId = caches.cached({ name: 'getRoomVersionId', maxEntries: 10_000 }, (roomId: string) =>
      (this.db.prepare('SELECT room_version FROM rooms WHERE room_id = ?').pluck().get(roomId) as string | undefined) ?? null,
    );
  }

  /** The subset of `eventIds` that are stored. Not cached: used for de-duplication against the database itself. */
  haveSeenEvents(eventIds: readonly string[]): Set<string> {
    const seen = new Set<string>();
    const statement = this.db.prepare('SELECT 1 FROM events WHERE event_id = ?').pluck();
    for (const id of eventIds) if (statement.get(id)) seen.add(id);
    return seen;
  }

  /**
   * Position and outlier flag of those of `eventIds` that are stored. Not cached, and cheaper than `getEvents`
   * (no JSON read): persistence asks it of every new event, and the answer is almost always "not stored".
   */
  storedPositions(eventIds: readonly string[]): Map<string, StoredPosition> {
    const found = new Map<string, StoredPosition>();
    for (const id of eventIds) {
      const position = storedPosition(this.db, id);
      if (position) found.set(id, position);
    }
    return found;
  }

  /** The event sent into this room by this user's device with this transaction ID, if any (idempotent sends). */
  getEventIdForTxn(roomId: string, userId: string, deviceId: string, txnId: string): string | null {
    return this.txnIds.eventIdFor(roomId, userId, deviceId, txnId);
  }

  /** The highest events stream position held for a room (its last activity). */
  maxStreamOrderingInRoom(roomId: string): number | null {
    return (this.db.prepare('SELECT MAX(stream_ordering) FROM events WHERE room_id = ?').pluck().get(roomId) as number | null) ?? null;
  }

  private fetchEvents(eventIds: readonly string[]): Map<string, StoredEvent> {
    const result = new Map<string, StoredEvent>();
    if (eventIds.length === 0) return result;
    const rows = this.db
      .prepare(
        `SELECT e.event_id, e.stream_ordering, e.outlier, e.soft_failed, j.room_version, j.internal_metadata, j.json, r.reason
         FROM events e JOIN event_json j ON j.stream_ordering = e.stream_ordering LEFT JOIN rejections r ON r.event_id = e.event_id
         WHERE e.event_id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(eventIds)) as StoredEventRow[];
    for (const row of rows) {
      const stored = this.storedEventOf(row);
      if (stored) result.set(row.event_id, stored);
    }
    return result;
  }

  /**
   * Caches events just committed from the rows written for them (call after the commit), so that the next
   * event of the room, which names them as prev events, does not read them back.
   */
  prefillWritten(rows: readonly StoredEventRow[]): void {
    for (const row of rows) {
      const stored = this.storedEventOf(row);
      if (stored) this.getEvent.prefill([row.event_id], stored);
    }
  }

  private storedEventOf(row: StoredEventRow): StoredEvent | null {
    if (!isKnownRoomVersion(row.room_version)) return null;
    const internal = row.parsed?.internal ?? (JSON.parse(row.internal_metadata) as EventInternalMetadata);
    const pdu = row.parsed?.pdu ?? (JSON.parse(row.json) as Pdu);
    const event = RoomEvent.fromTrusted(pdu, getRoomVersion(row.room_version), row.event_id, {
      ...internal,
      streamOrdering: row.stream_ordering,
    });
    return {
      event,
      streamOrdering: row.stream_ordering,
      outlier: row.outlier === 1,
      softFailed: row.soft_failed === 1,
      rejectedReason: row.reason,
      redactionIds: row.parsed?.redactionIds ?? storedRedactionIds(this.db, row.event_id),
    };
  }
}

export interface StoredPosition {
  readonly streamOrdering: number;
  readonly outlier: boolean;
}

/** Where `eventId` is stored and whether as an outlier; undefined when it is not stored. */
export function storedPosition(db: Database, eventId: string): StoredPosition | undefined {
  const row = db.prepare('SELECT stream_ordering, outlier FROM events WHERE event_id = ?').get(eventId) as { stream_ordering: number; outlier: number } | undefined;
  return row && { streamOrdering: row.stream_ordering, outlier: row.outlier === 1 };
}

/** IDs of the redactions stored for `eventId` (PersistEventsStore asks inside its write transaction, where it is cheap). */
export function storedRedactionIds(db: Database, eventId: string): string[] {
  return db.prepare('SELECT event_id FROM redactions WHERE redacts = ? ORDER BY event_id').pluck().all(eventId) as string[];
}
