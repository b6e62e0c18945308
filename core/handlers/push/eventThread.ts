/**
 * Which thread an event belongs to, for per-thread notification counts ("Receiving notifications", threaded read
 * receipts): an `m.thread` relation names the thread root; any other relation (a reaction, an edit, a reply)
 * belongs to the thread of the event it relates to, followed at most three hops as the specification suggests.
 * Everything else, rich replies included, is the main timeline.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { MAIN_THREAD } from '../../storage/databases/main/eventPushActionsStore.ts';

/** Loads an event's content by ID, or null when we do not have it. */
export type EventContentLoader = (eventId: string) => Promise<JsonObject | null>;

const MAX_HOPS = 3;

export async function threadIdOf(content: JsonObject, loadContent: EventContentLoader): Promise<string> {
  let current: JsonObject | null = content;
  for (let hop = 0; current !== null && hop <= MAX_HOPS; hop++) {
    const relation = relationOf(current);
    if (relation === null) return MAIN_THREAD;
    if (relation.relType === 'm.thread') return relation.eventId;
    if (hop === MAX_HOPS) break;
    current = await loadContent(relation.eventId);
  }
  return MAIN_THREAD;
}

function relationOf(content: JsonObject): { relType: string; eventId: string } | null {
  const relatesTo = content['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null || Array.isArray(relatesTo)) return null;
  // Rich replies (`m.in_reply_to` without a relation type) stay in the main timeline.
  if (typeof relatesTo.rel_type !== 'string' || typeof relatesTo.event_id !== 'string') return null;
  return { relType: relatesTo.rel_type, eventId: relatesTo.event_id };
}
