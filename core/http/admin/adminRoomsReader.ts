/**
 * The rooms page, read-only: every room this server holds state for, with its name, member counts and last
 * activity, and one room's latest timeline and current state. Reads go through the existing stores and the
 * client event serializer (so redactions show as clients see them); nothing here is a new query.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { EventSerializer } from '../../handlers/events/eventSerializer.ts';
import type { ClientEvent } from '../../handlers/events/clientEvent.ts';
import { RoomStateReader } from '../../handlers/rooms/roomStateReader.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { stateKey } from '../../state/stateMap.ts';
import type { AdminJsonObject, AdminRoomEvent, RoomDetailResponse, RoomSummary } from './adminApiTypes.ts';

export const DEFAULT_TIMELINE_LIMIT = 50;
export const MAX_TIMELINE_LIMIT = 500;

export class AdminRoomsReader {
  private readonly state: RoomStateReader;

  constructor(
    private readonly stores: DataStores,
    private readonly serializer: EventSerializer,
  ) {
    this.state = new RoomStateReader(stores);
  }

  /** Rooms with current state, most recently active first. */
  async list(): Promise<RoomSummary[]> {
    const rooms = await Promise.all(this.stores.roomState.roomsWithCurrentState().map((roomId) => this.summary(roomId)));
    return rooms.sort((a, b) => (b.last_activity_ts ?? 0) - (a.last_activity_ts ?? 0) || a.room_id.localeCompare(b.room_id));
  }

  async detail(roomId: string, limit: number): Promise<RoomDetailResponse> {
    const current = await this.state.currentStateIds(roomId);
    if (current.size === 0) throw MatrixError.notFound(`This server holds no state for room ${roomId}`);
    const rows = this.stores.timeline.page(roomId, { direction: 'b', from: null, to: null, limit });
    const stored = await this.stores.events.getEvents(rows.map((r) => r.eventId));
    const timeline = rows
      .map((r) => stored.get(r.eventId))
      .filter((e): e is StoredEvent => e !== null && e !== undefined)
      .reverse();
    const state = await this.state.eventsOf(current);
    const byKey = (a: AdminRoomEvent, b: AdminRoomEvent) => a.type.localeCompare(b.type) || (a.state_key ?? '').localeCompare(b.state_key ?? '');
    return {
      room: await this.summary(roomId),
      timeline: (await this.serializer.serialize(timeline)).map(adminEvent),
      state: (await this.serializer.serialize(state)).map(adminEvent).sort(byKey),
    };
  }

  private async summary(roomId: string): Promise<RoomSummary> {
    const current = await this.state.currentStateIds(roomId);
    const content = async (type: string): Promise<Record<string, unknown> | null> => {
      const id = current.get(stateKey(type, ''));
      return id ? ((await this.stores.events.getEvent(id))?.event.content ?? null) : null;
    };
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    const name = text((await content('m.room.name'))?.name);
    const alias = text((await content('m.room.canonical_alias'))?.alias);
    const members = await this.stores.roomSummaries.getRoomMemberSummary(roomId);
    const [latest] = this.stores.timeline.page(roomId, { direction: 'b', from: null, to: null, limit: 1 });
    const latestEvent = latest ? await this.stores.events.getEvent(latest.eventId) : null;
    return {
      room_id: roomId,
      name,
      display_name: name ?? alias ?? roomId,
      topic: text((await content('m.room.topic'))?.topic),
      canonical_alias: alias,
      room_version: await this.stores.events.getRoomVersionId(roomId),
      joined_members: members.joinedCount,
      invited_members: members.invitedCount,
      encrypted: (await content('m.room.encryption')) !== null,
      is_public: this.stores.rooms.getRoom(roomId)?.isPublic ?? false,
      last_activity_ts: latestEvent?.event.originServerTs ?? null,
    };
  }
}

function adminEvent(event: ClientEvent): AdminRoomEvent {
  return {
    event_id: event.event_id,
    type: event.type,
    sender: event.sender,
    origin_server_ts: event.origin_server_ts,
    ...(event.state_key === undefined ? {} : { state_key: event.state_key }),
    content: event.content as AdminJsonObject,
  };
}
