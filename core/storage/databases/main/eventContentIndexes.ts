/**
 * The rows PersistEventsStore writes for an event's content, in the same transaction as the event: its relation
 * (`content["m.relates_to"]`) and the texts /search finds it by (a message's body, a room's name or topic). A
 * redaction that applies removes its target's rows, so redacted text is not found and a redacted edit or
 * reaction no longer counts.
 */
import type { Database } from '../../engine/database.ts';
import type { RoomEvent } from '../../../events/roomEvent.ts';
import type { JsonObject } from '../../../crypto/canonicalJson.ts';
import { domainOf } from '../../../events/identifiers.ts';

export interface EventRelation {
  readonly relType: string;
  readonly eventId: string;
  /** The annotation key (reactions); null for other relation types. */
  readonly key: string | null;
}

/** The relation an event's content declares, if well formed. */
export function relationOf(content: JsonObject): EventRelation | null {
  const relatesTo = content['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null || Array.isArray(relatesTo)) return null;
  const { rel_type: relType, event_id: eventId, key } = relatesTo;
  if (typeof relType !== 'string' || typeof eventId !== 'string' || relType === '' || eventId === '') return null;
  return { relType, eventId, key: relType === 'm.annotation' && typeof key === 'string' ? key : null };
}

/**
 * The text of an event that /search indexes, with its key (`content.body` of a message, `content.name`,
 * `content.topic`): at most one per event, which lets the search rows be keyed by the event's stream ordering.
 */
export function searchableText(event: RoomEvent): { readonly key: string; readonly text: string } | null {
  const field = event.type === 'm.room.message' ? 'body' : event.type === 'm.room.name' ? 'name' : event.type === 'm.room.topic' ? 'topic' : null;
  if (field === null) return null;
  const value = event.content[field];
  return typeof value === 'string' && value !== '' ? { key: `content.${field}`, text: value } : null;
}

export class EventContentIndexWriter {
  constructor(private readonly db: Database) {}

  /**
   * Indexes a timeline event (callers skip outliers, rejected and soft-failed events). `newId`: the event was just
   * built here, so no redaction stored before it can name it.
   */
  index(event: RoomEvent, streamOrdering: number, options: { readonly newId?: boolean } = {}): void {
    const db = this.db;
    if (event.type === 'm.room.redaction' && event.redacts !== null) this.removeIfRedacted(event.redacts, event);
    // A redaction received before its target already applies.
    if (options.newId !== true && this.hasApplyingRedaction(event)) return;
    const relation = relationOf(event.content);
    if (relation && relation.eventId !== event.eventId) {
      db.prepare(
        `INSERT OR IGNORE INTO event_relations (event_id, relates_to_id, rel_type, aggregation_key, room_id, sender, type, stream_ordering, origin_server_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(event.eventId, relation.eventId, relation.relType, relation.key, event.roomId, event.sender, event.type, streamOrdering, event.originServerTs);
    }
    const searchable = searchableText(event);
    if (searchable !== null) {
      // Keyed by stream ordering, so a new message's row appends (and an event indexed twice keeps one row).
      const inserted = db
        .prepare('INSERT OR IGNORE INTO event_search_entries (stream_ordering, event_id, room_id, key, sender, origin_server_ts) VALUES (?, ?, ?, ?, ?, ?)')
        .run(streamOrdering, event.eventId, event.roomId, searchable.key, event.sender, event.originServerTs).changes;
      if (inserted === 1) db.prepare('INSERT INTO event_search (rowid, value) VALUES (?, ?)').run(streamOrdering, searchable.text);
    }
  }

  private removeIfRedacted(targetId: string, redaction: RoomEvent): void {
    const target = this.db.prepare('SELECT sender, room_id, stream_ordering FROM events WHERE event_id = ?').get(targetId) as
      | { sender: string; room_id: string; stream_ordering: number }
      | undefined;
    if (!target || target.room_id !== redaction.roomId || !redactionApplies(redaction, target.sender)) return;
    this.remove(targetId, target.stream_ordering);
  }

  private hasApplyingRedaction(event: RoomEvent): boolean {
    const rows = this.db
      .prepare(
        `SELECT j.json, j.internal_metadata FROM redactions r JOIN events e ON e.event_id = r.event_id JOIN event_json j ON j.stream_ordering = e.stream_ordering
         WHERE r.redacts = ?`,
      )
      .all(event.eventId) as { json: string; internal_metadata: string }[];
    return rows.some((row) => {
      const pdu = JSON.parse(row.json) as { sender?: unknown; room_id?: unknown };
      const internal = JSON.parse(row.internal_metadata) as { redactionAuthorised?: unknown };
      if (pdu.room_id !== event.roomId || typeof pdu.sender !== 'string') return false;
      return domainOf(pdu.sender) === domainOf(event.sender) || internal.redactionAuthorised === true;
    });
  }

  /** The search row is keyed by the event's stream ordering (checked against its event ID). */
  private remove(eventId: string, streamOrdering: number): void {
    this.db.prepare('DELETE FROM event_relations WHERE event_id = ?').run(eventId);
    const removed = this.db.prepare('DELETE FROM event_search_entries WHERE stream_ordering = ? AND event_id = ?').run(streamOrdering, eventId).changes;
    if (removed === 1) this.db.prepare('DELETE FROM event_search WHERE rowid = ?').run(streamOrdering);
  }
}

/** As the serializer decides: a redaction applies to events of its sender's server, or when authorised by power. */
function redactionApplies(redaction: RoomEvent, targetSender: string): boolean {
  return domainOf(redaction.sender) === domainOf(targetSender) || redaction.internal.redactionAuthorised === true;
}
