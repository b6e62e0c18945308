/**
 * The filter JSON clients upload or pass inline to /sync (definitions/sync_filter.yaml), checked field by field:
 * a field of the wrong type is 400 M_BAD_JSON naming the field. Unknown fields are ignored (clients send
 * unstable extensions). Validation returns the same JSON, now known to have the documented shape.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { MatrixError } from '../matrixError.ts';

export interface EventFilterDefinition {
  readonly limit?: number;
  readonly types?: readonly string[];
  readonly not_types?: readonly string[];
  readonly senders?: readonly string[];
  readonly not_senders?: readonly string[];
}

export interface RoomEventFilterDefinition extends EventFilterDefinition {
  readonly rooms?: readonly string[];
  readonly not_rooms?: readonly string[];
  readonly contains_url?: boolean;
  readonly lazy_load_members?: boolean;
  readonly include_redundant_members?: boolean;
  readonly unread_thread_notifications?: boolean;
}

export interface RoomFilterDefinition {
  readonly rooms?: readonly string[];
  readonly not_rooms?: readonly string[];
  readonly include_leave?: boolean;
  readonly ephemeral?: RoomEventFilterDefinition;
  readonly state?: RoomEventFilterDefinition;
  readonly timeline?: RoomEventFilterDefinition;
  readonly account_data?: RoomEventFilterDefinition;
}

export interface FilterDefinition {
  readonly event_fields?: readonly string[];
  readonly event_format?: 'client' | 'federation';
  readonly presence?: EventFilterDefinition;
  readonly account_data?: EventFilterDefinition;
  readonly room?: RoomFilterDefinition;
}

function fail(path: string, expected: string): never {
  throw MatrixError.badJson(`Invalid filter: ${path} must be ${expected}`);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkStringArray(value: JsonValue | undefined, path: string, prefix?: string): void {
  if (value === undefined) return;
  const what = prefix ? `an array of IDs starting with ${prefix}` : 'an array of strings';
  if (!Array.isArray(value)) fail(path, what);
  for (const item of value) if (typeof item !== 'string' || (prefix !== undefined && !item.startsWith(prefix))) fail(path, what);
}

function checkBoolean(value: JsonValue | undefined, path: string): void {
  if (value !== undefined && typeof value !== 'boolean') fail(path, 'a boolean');
}

function checkEventFilter(value: JsonValue | undefined, path: string): void {
  if (value === undefined) return;
  if (!isObject(value)) fail(path, 'an object');
  const limit = value.limit;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) fail(`${path}.limit`, 'a non-negative integer');
  checkStringArray(value.types, `${path}.types`);
  checkStringArray(value.not_types, `${path}.not_types`);
  checkStringArray(value.senders, `${path}.senders`, '@');
  checkStringArray(value.not_senders, `${path}.not_senders`, '@');
}

function checkRoomEventFilter(value: JsonValue | undefined, path: string): void {
  if (value === undefined) return;
  checkEventFilter(value, path);
  const filter = value as JsonObject;
  checkStringArray(filter.rooms, `${path}.rooms`, '!');
  checkStringArray(filter.not_rooms, `${path}.not_rooms`, '!');
  for (const flag of ['contains_url', 'lazy_load_members', 'include_redundant_members', 'unread_thread_notifications']) checkBoolean(filter[flag], `${path}.${flag}`);
}

/** Checks a room event filter on its own (the `filter` of /messages and /context); 400 M_BAD_JSON when malformed. */
export function validateRoomEventFilterDefinition(filter: JsonValue): RoomEventFilterDefinition {
  if (!isObject(filter)) fail('the filter', 'a JSON object');
  checkRoomEventFilter(filter, 'filter');
  return filter as RoomEventFilterDefinition;
}

/** Checks a filter; 400 M_BAD_JSON when a documented field has the wrong shape. */
export function validateFilterDefinition(filter: JsonValue): FilterDefinition {
  if (!isObject(filter)) fail('the filter', 'a JSON object');
  checkStringArray(filter.event_fields, 'event_fields');
  if (filter.event_format !== undefined && filter.event_format !== 'client' && filter.event_format !== 'federation') {
    fail('event_format', '"client" or "federation"');
  }
  checkEventFilter(filter.presence, 'presence');
  checkEventFilter(filter.account_data, 'account_data');
  const room = filter.room;
  if (room !== undefined) {
    if (!isObject(room)) fail('room', 'an object');
    checkStringArray(room.rooms, 'room.rooms', '!');
    checkStringArray(room.not_rooms, 'room.not_rooms', '!');
    checkBoolean(room.include_leave, 'room.include_leave');
    for (const part of ['ephemeral', 'state', 'timeline', 'account_data']) checkRoomEventFilter(room[part], `room.${part}`);
  }
  return filter as FilterDefinition;
}
