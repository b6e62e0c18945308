/**
 * The shape of a /sync response (data/api/client-server/sync.yaml). Room events are client events without
 * `room_id` (or, with `event_format: federation`, the PDU; with `event_fields`, only the fields asked for).
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { PresenceEvent } from '../presence/presenceHandler.ts';
import type { UnreadCounts } from './unreadCounts.ts';

export type SyncRoomEvent = Readonly<Record<string, unknown>>;

/** A non-room event: account data, ephemeral (`m.typing`, `m.receipt`), to-device. */
export interface BasicEvent {
  readonly type: string;
  readonly content: JsonObject;
}

export interface StrippedStateEvent {
  readonly type: string;
  readonly state_key: string;
  readonly sender: string;
  readonly content: JsonObject;
}

export interface Timeline {
  events: SyncRoomEvent[];
  limited: boolean;
  prev_batch?: string;
}

export interface RoomSummary {
  'm.heroes'?: string[];
  'm.joined_member_count'?: number;
  'm.invited_member_count'?: number;
}

export interface JoinedRoomSync {
  summary?: RoomSummary;
  state: { events: SyncRoomEvent[] };
  timeline: Timeline;
  ephemeral: { events: BasicEvent[] };
  account_data: { events: BasicEvent[] };
  unread_notifications: UnreadCounts;
}

export interface LeftRoomSync {
  state: { events: SyncRoomEvent[] };
  timeline: Timeline;
  account_data: { events: BasicEvent[] };
}

export interface InvitedRoomSync {
  invite_state: { events: StrippedStateEvent[] };
}

export interface KnockedRoomSync {
  knock_state: { events: StrippedStateEvent[] };
}

export interface SyncResponse {
  next_batch: string;
  rooms: {
    join: Record<string, JoinedRoomSync>;
    invite: Record<string, InvitedRoomSync>;
    leave: Record<string, LeftRoomSync>;
    knock: Record<string, KnockedRoomSync>;
  };
  account_data: { events: BasicEvent[] };
  presence: { events: PresenceEvent[] };
  to_device: { events: JsonObject[] };
  device_lists?: { changed?: string[]; left?: string[] };
  device_one_time_keys_count?: Record<string, number>;
  device_unused_fallback_key_types?: string[];
}
