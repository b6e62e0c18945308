/**
 * `GET /rooms/{roomId}/hierarchy`: the rooms of a space, breadth first from the space, following
 * `m.space.child` state events (those with a non-empty `via`), ordered by their `order` then when they were
 * added. Only rooms the user may see are described (RoomPreviewPolicy: joined, invited, world-readable, or
 * joinable); a child the user may not see is left out with its own children. Rooms this server does not hold
 * are not fetched from other servers. Paged with an offset bound to the query's parameters.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import { encodeBase64Url } from '../../crypto/base64.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomSummaryReader, type RoomSummary } from '../rooms/roomSummaryReader.ts';
import { RoomPreviewPolicy } from '../rooms/roomPreviewPolicy.ts';

export const DEFAULT_HIERARCHY_LIMIT = 50;
export const MAX_HIERARCHY_LIMIT = 100;
/** Deepest nesting followed (also when the client asks for more). */
export const MAX_HIERARCHY_DEPTH = 50;
/** At most this many rooms are walked for one request. */
const MAX_ROOMS_WALKED = 1_000;

export interface HierarchyQuery {
  readonly suggestedOnly: boolean;
  readonly maxDepth: number | null;
  readonly limit: number;
  readonly from: string | null;
}

export interface HierarchyRoom extends RoomSummary {
  children_state: JsonObject[];
}

export class SpaceHierarchyHandler {
  private readonly summaries: RoomSummaryReader;
  private readonly preview: RoomPreviewPolicy;

  constructor(stores: DataStores) {
    this.summaries = new RoomSummaryReader(stores);
    this.preview = new RoomPreviewPolicy(stores);
  }

  async hierarchy(requester: Requester, roomId: string, query: HierarchyQuery): Promise<{ rooms: HierarchyRoom[]; next_batch?: string }> {
    const maxDepth = Math.min(query.maxDepth ?? MAX_HIERARCHY_DEPTH, MAX_HIERARCHY_DEPTH);
    const binding = `${roomId}|${query.suggestedOnly}|${maxDepth}`;
    const offset = query.from === null ? 0 : parseFrom(query.from, binding);
    if (!(await this.preview.mayPreview(requester.userId, roomId))) throw MatrixError.forbidden('You cannot view this room or space');

    const rooms: HierarchyRoom[] = [];
    const seen = new Set<string>([roomId]);
    const queue: { roomId: string; depth: number }[] = [{ roomId, depth: 0 }];
    while (queue.length > 0 && rooms.length < Math.min(offset + query.limit + 1, MAX_ROOMS_WALKED)) {
      const next = queue.shift()!;
      if (next.depth > 0 && !(await this.preview.mayPreview(requester.userId, next.roomId))) continue;
      const described = await this.describe(next.roomId, query.suggestedOnly);
      if (!described) continue;
      rooms.push(described.room);
      if (next.depth >= maxDepth) continue;
      for (const child of described.children) {
        if (seen.has(child)) continue;
        seen.add(child);
        queue.push({ roomId: child, depth: next.depth + 1 });
      }
    }
    const page = rooms.slice(offset, offset + query.limit);
    const response: { rooms: HierarchyRoom[]; next_batch?: string } = { rooms: page };
    if (rooms.length > offset + query.limit) response.next_batch = encodeFrom(offset + query.limit, binding);
    return response;
  }

  private async describe(roomId: string, suggestedOnly: boolean): Promise<{ room: HierarchyRoom; children: string[] } | null> {
    const described = await this.summaries.describe(roomId);
    if (!described) return null;
    const children = described.state.filter((e) => e.event.type === 'm.space.child' && isChildLink(e, suggestedOnly)).sort(childOrder);
    const room: HierarchyRoom = { ...described.summary, children_state: [] };
    room.children_state = children.map((e) => ({
      type: e.event.type,
      state_key: e.event.stateKey!,
      content: e.event.content,
      sender: e.event.sender,
      origin_server_ts: e.event.originServerTs,
    }));
    return { room, children: children.map((e) => e.event.stateKey!) };
  }
}

/** A child link counts when its `via` lists at least one server (an empty content removes the child). */
function isChildLink(entry: StoredEvent, suggestedOnly: boolean): boolean {
  const via = entry.event.content.via;
  if (!Array.isArray(via) || via.length === 0 || !via.every((v) => typeof v === 'string')) return false;
  if (!entry.event.stateKey?.startsWith('!')) return false;
  return !suggestedOnly || entry.event.content.suggested === true;
}

/** The spec's ordering: by `order` (valid strings first, compared by code points), then by time added, then ID. */
function childOrder(a: StoredEvent, b: StoredEvent): number {
  const orderOf = (e: StoredEvent) => {
    const order = e.event.content.order;
    return typeof order === 'string' && order.length <= 50 && /^[\x20-\x7e]*$/.test(order) ? order : null;
  };
  const oa = orderOf(a);
  const ob = orderOf(b);
  if (oa !== null && ob === null) return -1;
  if (oa === null && ob !== null) return 1;
  if (oa !== null && ob !== null && oa !== ob) return oa < ob ? -1 : 1;
  return a.event.originServerTs - b.event.originServerTs || (a.event.stateKey! < b.event.stateKey! ? -1 : 1);
}

function encodeFrom(offset: number, binding: string): string {
  return encodeBase64Url(Buffer.from(JSON.stringify({ o: offset, b: binding })));
}

/** A `from` token is only valid for the same room and parameters it was issued for. */
function parseFrom(token: string, binding: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; b?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.b === binding) return parsed.o;
  } catch {
    // fall through
  }
  throw MatrixError.invalidParam('Invalid from token (or the query parameters changed since it was issued)');
}
