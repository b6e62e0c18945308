/**
 * Answering other servers' questions about a room's events: /event, /state, /state_ids, /event_auth, /backfill
 * and /get_missing_events. A server may read a room only while one of its users is joined to it (or the event
 * is world-readable), and only non-outlier events are served from the DAG.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../storage/databases/main/eventsReadStore.ts';
import type { EventAuthReadStore } from '../storage/databases/main/eventAuthReadStore.ts';
import { RoomStateReader } from '../handlers/rooms/roomStateReader.ts';
import { readVisibility } from '../handlers/events/visibilityFilter.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { stateKey } from '../state/stateMap.ts';

export const MAX_BACKFILL = 100;
export const MAX_MISSING_EVENTS = 20;

export class RoomDataServer {
  private readonly state: RoomStateReader;

  constructor(
    private readonly stores: DataStores,
    private readonly authChains: EventAuthReadStore,
  ) {
    this.state = new RoomStateReader(stores);
  }

  /** The PDU JSON of an event, as another server must see it. */
  static pdu(event: RoomEvent): JsonObject {
    return event.toPduJson() as JsonObject;
  }

  /** 403 unless `origin` has a user joined to the room (now). */
  async assertServerInRoom(origin: string, roomId: string): Promise<void> {
    if (!(await this.stores.members.isHostJoined(roomId, origin))) {
      throw MatrixError.forbidden(`Server ${origin} is not in room ${roomId}`);
    }
  }

  async getEvent(origin: string, eventId: string): Promise<{ origin: string; origin_server_ts: number; pdus: JsonObject[] }> {
    const stored = await this.stores.events.getEvent(eventId);
    if (!stored || stored.rejectedReason !== null) throw MatrixError.notFound('Event not found');
    if (!(await this.stores.members.isHostJoined(stored.event.roomId, origin)) && !(await this.isWorldReadable(stored))) {
      throw MatrixError.forbidden(`Server ${origin} may not see event ${eventId}`);
    }
    return { origin: this.stores.serverName, origin_server_ts: Date.now(), pdus: [RoomDataServer.pdu(stored.event)] };
  }

  /** The state before `eventId` and its auth chain (as events or as IDs). */
  async stateAt(origin: string, roomId: string, eventId: string): Promise<{ state: StoredEvent[]; authChainIds: string[] }> {
    await this.assertServerInRoom(origin, roomId);
    const stored = await this.stores.events.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId || stored.outlier) throw MatrixError.notFound('Event not found');
    const before = await this.state.stateBeforeEvent(stored);
    if (before === null) throw MatrixError.notFound('The state at that event is not known');
    const stateIds = [...before.values()];
    const state = [...(await this.stores.events.getEvents(stateIds)).values()].filter((e): e is StoredEvent => e !== null && e !== undefined);
    const chain = await this.authChains.getAuthChain(stateIds);
    return { state, authChainIds: [...chain] };
  }

  async stateIds(origin: string, roomId: string, eventId: string): Promise<{ pdu_ids: string[]; auth_chain_ids: string[] }> {
    const { state, authChainIds } = await this.stateAt(origin, roomId, eventId);
    return { pdu_ids: state.map((e) => e.event.eventId), auth_chain_ids: authChainIds };
  }

  async fullState(origin: string, roomId: string, eventId: string): Promise<{ pdus: JsonObject[]; auth_chain: JsonObject[] }> {
    const { state, authChainIds } = await this.stateAt(origin, roomId, eventId);
    return { pdus: state.map((e) => RoomDataServer.pdu(e.event)), auth_chain: await this.pdusOf(authChainIds) };
  }

  async eventAuth(origin: string, roomId: string, eventId: string): Promise<{ auth_chain: JsonObject[] }> {
    await this.assertServerInRoom(origin, roomId);
    const stored = await this.stores.events.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId) throw MatrixError.notFound('Event not found');
    return { auth_chain: await this.pdusOf([...(await this.authChains.getAuthChain([eventId]))]) };
  }

  /** Events before the given ones, walking prev_events breadth-first by depth, at most `limit`. */
  async backfill(origin: string, roomId: string, fromIds: readonly string[], limit: number): Promise<{ origin: string; origin_server_ts: number; pdus: JsonObject[] }> {
    await this.assertServerInRoom(origin, roomId);
    const max = Math.min(Math.max(limit, 0), MAX_BACKFILL);
    const result: RoomEvent[] = [];
    const seen = new Set<string>();
    let frontier = [...fromIds];
    while (frontier.length > 0 && result.length < max) {
      const stored = await this.stores.events.getEvents(frontier.filter((id) => !seen.has(id)));
      const next: string[] = [];
      const batch = [...stored.values()].filter((e): e is StoredEvent => !!e && e.event.roomId === roomId && !e.outlier);
      batch.sort((a, b) => b.event.depth - a.event.depth);
      for (const entry of batch) {
        if (seen.has(entry.event.eventId)) continue;
        seen.add(entry.event.eventId);
        result.push(entry.event);
        if (result.length >= max) break;
        next.push(...entry.event.prevEventIds);
      }
      frontier = next;
    }
    return { origin: this.stores.serverName, origin_server_ts: Date.now(), pdus: result.map(RoomDataServer.pdu) };
  }

  /**
   * Events between `earliest` (exclusive, what the caller has) and `latest` (exclusive, what it received),
   * walking prev_events back from `latest`, oldest first.
   */
  async missingEvents(origin: string, roomId: string, earliest: readonly string[], latest: readonly string[], limit: number, minDepth: number): Promise<{ events: JsonObject[] }> {
    await this.assertServerInRoom(origin, roomId);
    const max = Math.min(Math.max(limit, 0), MAX_MISSING_EVENTS);
    const stop = new Set(earliest);
    const seen = new Set<string>(latest);
    const found: RoomEvent[] = [];
    let frontier: string[] = [];
    for (const entry of (await this.stores.events.getEvents([...latest])).values()) if (entry && entry.event.roomId === roomId) frontier.push(...entry.event.prevEventIds);
    while (frontier.length > 0 && found.length < max) {
      const ids = frontier.filter((id) => !seen.has(id) && !stop.has(id));
      ids.forEach((id) => seen.add(id));
      const stored = await this.stores.events.getEvents(ids);
      const next: string[] = [];
      for (const id of ids) {
        const entry = stored.get(id);
        if (!entry || entry.event.roomId !== roomId || entry.outlier || entry.event.depth < minDepth) continue;
        found.push(entry.event);
        if (found.length >= max) break;
        next.push(...entry.event.prevEventIds);
      }
      frontier = next;
    }
    found.sort((a, b) => a.depth - b.depth);
    return { events: found.map(RoomDataServer.pdu) };
  }

  private async pdusOf(eventIds: readonly string[]): Promise<JsonObject[]> {
    const stored = await this.stores.events.getEvents(eventIds);
    return [...stored.values()].filter((e): e is StoredEvent => !!e).sort((a, b) => a.event.depth - b.event.depth).map((e) => RoomDataServer.pdu(e.event));
  }

  private async isWorldReadable(stored: StoredEvent): Promise<boolean> {
    const group = this.stores.stateGroups.getStateGroupsForEvents([stored.event.eventId]).get(stored.event.eventId);
    if (group === undefined) return false;
    const state = await this.stores.stateGroups.getStateForGroup(group);
    const id = state.get(stateKey('m.room.history_visibility', ''));
    const visibility = id ? (await this.stores.events.getEvent(id))?.event.content.history_visibility : undefined;
    return readVisibility(visibility) === 'world_readable';
  }

  /** The servers joined to a room now (for sending it events). */
  async joinedHosts(roomId: string): Promise<string[]> {
    const hosts = new Set<string>();
    for (const userId of await this.stores.members.getUsersInRoom(roomId)) {
      const domain = domainOf(userId);
      if (domain) hosts.add(domain);
    }
    return [...hosts];
  }
}
