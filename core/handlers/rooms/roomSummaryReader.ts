/**
 * A room described from its current state the way the spec's published-rooms chunk does (name, topic, avatar,
 * canonical alias, join rule, room type, joined member count, world-readable, guest access): shared by the
 * public room directory, the space hierarchy and the room summary.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import { RoomStateReader } from './roomStateReader.ts';

export interface RoomSummary {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  join_rule?: string;
  name?: string;
  topic?: string;
  avatar_url?: string;
  canonical_alias?: string;
  room_type?: string;
}

export interface DescribedRoom {
  readonly summary: RoomSummary;
  /** The current state events the summary was made from: all but memberships. */
  readonly state: readonly StoredEvent[];
}

/** Optional string fields of the summary: which state event (with an empty state key) and content key they come from. */
const STRING_FIELDS: readonly (readonly [keyof RoomSummary, string, string])[] = [
  ['name', 'm.room.name', 'name'],
  ['topic', 'm.room.topic', 'topic'],
  ['avatar_url', 'm.room.avatar', 'url'],
  ['canonical_alias', 'm.room.canonical_alias', 'alias'],
  ['join_rule', 'm.room.join_rules', 'join_rule'],
  ['room_type', 'm.room.create', 'type'],
];

export class RoomSummaryReader {
  private readonly state: RoomStateReader;

  constructor(private readonly stores: DataStores) {
    this.state = new RoomStateReader(stores);
  }

  /** Null when this server holds no state for the room. */
  async describe(roomId: string): Promise<DescribedRoom | null> {
    const stateIds = await this.state.currentStateIds(roomId);
    if (stateIds.size === 0) return null;
    const state = await this.state.eventsOf(stateIds, (type) => type !== 'm.room.member');
    const content = (type: string) => state.find((e) => e.event.type === type && e.event.stateKey === '')?.event.content;
    const summary: RoomSummary = {
      room_id: roomId,
      num_joined_members: (await this.stores.members.getUsersInRoom(roomId)).length,
      world_readable: content('m.room.history_visibility')?.history_visibility === 'world_readable',
      guest_can_join: content('m.room.guest_access')?.guest_access === 'can_join',
    };
    for (const [field, type, key] of STRING_FIELDS) {
      const value = content(type)?.[key];
      if (typeof value === 'string') (summary as unknown as Record<string, string>)[field] = value;
    }
    return { summary, state };
  }
}
