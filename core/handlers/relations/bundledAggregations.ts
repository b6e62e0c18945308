/**
 * Bundled aggregations (client-server API, "Aggregations of child events"): what the server adds to a served
 * event's `unsigned["m.relations"]` about the events that relate to it:
 *   m.thread     the thread's latest event, its size, and whether the recipient took part;
 *   m.replace    the most recent valid edit (same sender and type; the original is no state event and no edit);
 *   m.reference  the IDs of the events that reference it.
 * Annotations are not bundled (clients count reactions themselves), and edits and annotations get no
 * aggregations of their own. Plugged into the EventSerializer, so every endpoint that serves events bundles.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { RelationRow } from '../../storage/databases/main/eventRelationsReadStore.ts';
import { relationOf } from '../../storage/databases/main/eventContentIndexes.ts';
import type { ClientEvent } from '../events/clientEvent.ts';
import type { BundledAggregationsProvider } from '../events/eventSerializer.ts';

export class BundledAggregations implements BundledAggregationsProvider {
  constructor(private readonly stores: DataStores) {}

  async aggregationsFor(
    events: readonly StoredEvent[],
    recipient: string | null,
    serialize: (stored: StoredEvent) => Promise<ClientEvent | null>,
  ): Promise<Map<string, JsonObject>> {
    const result = new Map<string, JsonObject>();
    const originals = new Map<string, StoredEvent>();
    const relationTypes = new Map<string, string>();
    for (const entry of events) {
      if (entry.event.stateKey !== null) continue;
      const relation = relationOf(entry.event.content);
      if (relation && (relation.relType === 'm.replace' || relation.relType === 'm.annotation')) continue;
      originals.set(entry.event.eventId, entry);
      if (relation) relationTypes.set(entry.event.eventId, relation.relType);
    }
    if (originals.size === 0) return result;
    const bundle = (eventId: string): JsonObject => {
      let entry = result.get(eventId);
      if (!entry) result.set(eventId, (entry = {}));
      return entry;
    };
    const relations = this.stores.relations;

    // Threads: only events that are not themselves in a thread can be roots.
    const roots = [...originals.keys()].filter((id) => relationTypes.get(id) !== 'm.thread');
    const summaries = relations.threadSummaries(roots);
    if (summaries.size > 0) {
      const participated = recipient === null ? new Set<string>() : relations.threadsWithEventsFrom([...summaries.keys()], recipient);
      const latest = await this.stores.events.getEvents([...summaries.values()].map((s) => s.latestEventId));
      for (const [rootId, summary] of summaries) {
        const latestEvent = latest.get(summary.latestEventId);
        const served = latestEvent ? await serialize(latestEvent) : null;
        if (!served) continue;
        bundle(rootId)['m.thread'] = {
          latest_event: served as unknown as JsonObject,
          count: summary.count,
          current_user_participated: participated.has(rootId) || originals.get(rootId)!.event.sender === recipient,
        };
      }
    }

    const ids = [...originals.keys()];
    const references = new Map<string, string[]>();
    for (const row of relations.relationsTo(ids, 'm.reference')) {
      let list = references.get(row.relatesToId);
      if (!list) references.set(row.relatesToId, (list = []));
      list.push(row.eventId);
    }
    for (const [eventId, list] of references) bundle(eventId)['m.reference'] = { chunk: list.map((id) => ({ event_id: id })) };

    const edits = this.latestValidEdits(relations.relationsTo(ids, 'm.replace'), originals);
    if (edits.size > 0) {
      const editEvents = await this.stores.events.getEvents([...edits.values()]);
      for (const [originalId, editId] of edits) {
        const edit = editEvents.get(editId);
        const served = edit ? await serialize(edit) : null;
        if (served) bundle(originalId)['m.replace'] = served as unknown as JsonObject;
      }
    }
    return result;
  }

  /** For each original, the most recent edit by its sender of the same event type (ties broken by event ID). */
  private latestValidEdits(rows: readonly RelationRow[], originals: ReadonlyMap<string, StoredEvent>): Map<string, string> {
    const best = new Map<string, RelationRow>();
    for (const row of rows) {
      const original = originals.get(row.relatesToId);
      if (!original || row.sender !== original.event.sender || row.type !== original.event.type || row.roomId !== original.event.roomId) continue;
      const current = best.get(row.relatesToId);
      if (!current || row.originServerTs > current.originServerTs || (row.originServerTs === current.originServerTs && row.eventId > current.eventId)) {
        best.set(row.relatesToId, row);
      }
    }
    return new Map([...best].map(([id, row]) => [id, row.eventId]));
  }
}
