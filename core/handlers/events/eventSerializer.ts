/**
 * Turns stored events into what clients see: the client event format, with `unsigned` filled per recipient
 * (age, the transaction ID for the sender's own device, prev_content of replaced state), redactions applied
 * (content pruned by the room version's algorithm, `redacted_because` attached), and `redacts` served both at
 * top level and in content whatever the room version (SEED-BEHAVIOURS.md §5). A redaction without a target is
 * withheld rather than served or failing.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { RoomEvent } from '../../events/roomEvent.ts';
import { redactEvent } from '../../events/redaction.ts';
import type { EventsReadStore, StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { ClientEvent, ClientUnsigned } from './clientEvent.ts';

export interface SerializeOptions {
  /** Who the events are for: their own events carry `transaction_id` when sent from this device. */
  readonly requester?: { readonly userId: string; readonly deviceId: string } | null;
  readonly now?: number;
  /** Leave out `room_id` (sync timelines and state inside a room's section). */
  readonly omitRoomId?: boolean;
  /** Add `unsigned["m.relations"]` (default true when an aggregation provider is plugged in). */
  readonly bundleAggregations?: boolean;
}

/** Computes `unsigned["m.relations"]` for served events (edits, thread summaries, references). */
export interface BundledAggregationsProvider {
  aggregationsFor(
    events: readonly StoredEvent[],
    recipient: string | null,
    /** Serialises a related event (an edit, a thread's latest event) for the same recipient. */
    serialize: (stored: StoredEvent) => Promise<ClientEvent | null>,
  ): Promise<ReadonlyMap<string, JsonObject>>;
}

export class EventSerializer {
  constructor(
    private readonly events: EventsReadStore,
    private readonly aggregations: BundledAggregationsProvider | null = null,
  ) {}

  /** Serialises events in order, dropping the ones clients must not see (targetless redactions). */
  async serialize(stored: readonly StoredEvent[], options: SerializeOptions = {}): Promise<ClientEvent[]> {
    const now = options.now ?? Date.now();
    const related = await this.loadRelated(stored);
    // Redacted events lose their relations' aggregations with their content.
    const bundled =
      this.aggregations && options.bundleAggregations !== false && stored.length > 0
        ? await this.aggregations.aggregationsFor(
            stored.filter((entry) => this.appliedRedaction(entry, related) === null),
            options.requester?.userId ?? null,
            (entry) => this.serializeOne(entry, { ...options, now, bundleAggregations: false }),
          )
        : null;
    const out: ClientEvent[] = [];
    for (const entry of stored) {
      const client = this.toClient(entry, related, options, now, 0);
      if (!client) continue;
      const relations = bundled?.get(client.event_id);
      if (relations) client.unsigned['m.relations'] = relations;
      out.push(client);
    }
    return out;
  }

  async serializeOne(stored: StoredEvent, options: SerializeOptions = {}): Promise<ClientEvent | null> {
    const [client] = await this.serialize([stored], options);
    return client ?? null;
  }

  /** The redaction that applies to `stored`, if any (same server as the target's sender, or authorised at receipt). */
  appliedRedaction(stored: StoredEvent, related: ReadonlyMap<string, StoredEvent>): StoredEvent | null {
    for (const id of stored.redactionIds) {
      const redaction = related.get(id);
      if (!redaction || redaction.rejectedReason !== null || redaction.event.roomId !== stored.event.roomId) continue;
      if (redaction.event.senderDomain === stored.event.senderDomain || redaction.event.internal.redactionAuthorised === true) return redaction;
    }
    return null;
  }

  private async loadRelated(stored: readonly StoredEvent[]): Promise<Map<string, StoredEvent>> {
    const ids = new Set<string>();
    for (const entry of stored) {
      for (const id of entry.redactionIds) ids.add(id);
      const replaces = entry.event.internal.replacesState;
      if (typeof replaces === 'string') ids.add(replaces);
    }
    const related = new Map<string, StoredEvent>();
    if (ids.size === 0) return related;
    for (const [id, entry] of await this.events.getEvents([...ids])) if (entry) related.set(id, entry);
    // Redactions of the redactions themselves (a redacted redaction) are applied too.
    const second = [...related.values()].flatMap((e) => e.redactionIds).filter((id) => !related.has(id));
    if (second.length > 0) for (const [id, entry] of await this.events.getEvents(second)) if (entry) related.set(id, entry);
    return related;
  }

  private toClient(stored: StoredEvent, related: ReadonlyMap<string, StoredEvent>, options: SerializeOptions, now: number, depth: number): ClientEvent | null {
    const event = stored.event;
    if (event.type === 'm.room.redaction' && event.redacts === null) return null;
    const redaction = this.appliedRedaction(stored, related);
    const content = redaction ? (redactEvent(event.pdu, event.roomVersion).content as JsonObject) : event.content;
    const unsigned: ClientUnsigned = { age: Math.max(0, now - event.originServerTs) };
    if (options.requester && event.sender === options.requester.userId && event.internal.deviceId === options.requester.deviceId && event.internal.txnId) {
      unsigned.transaction_id = event.internal.txnId;
    }
    const replaces = event.internal.replacesState;
    if (typeof replaces === 'string') {
      unsigned.replaces_state = replaces;
      const previous = related.get(replaces);
      if (previous) {
        const previousRedacted = this.appliedRedaction(previous, related);
        unsigned.prev_content = previousRedacted ? (redactEvent(previous.event.pdu, previous.event.roomVersion).content as JsonObject) : previous.event.content;
        unsigned.prev_sender = previous.event.sender;
      }
    }
    if (redaction && depth === 0) {
      const because = this.toClient(redaction, related, options, now, depth + 1);
      if (because) unsigned.redacted_because = because;
    }
    return toClientEvent(event, content, unsigned, options.omitRoomId === true);
  }
}

function toClientEvent(event: RoomEvent, content: JsonObject, unsigned: ClientUnsigned, omitRoomId: boolean): ClientEvent {
  let servedContent = content;
  let redacts: string | undefined;
  if (event.type === 'm.room.redaction' && event.redacts !== null) {
    redacts = event.redacts;
    if (servedContent.redacts !== redacts) servedContent = { ...servedContent, redacts };
  }
  const client: Record<string, unknown> = {
    type: event.type,
    content: servedContent,
    event_id: event.eventId,
    sender: event.sender,
    origin_server_ts: event.originServerTs,
  };
  if (!omitRoomId) client.room_id = event.roomId;
  if (event.stateKey !== null) client.state_key = event.stateKey;
  if (redacts !== undefined) client.redacts = redacts;
  client.unsigned = unsigned;
  return client as unknown as ClientEvent;
}
