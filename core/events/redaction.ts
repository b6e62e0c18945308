/**
 * The redaction algorithm of each room version (rooms/fragments/v*-redactions.md): what survives when an event
 * is redacted, and also what is hashed for a reference hash and signed for an event signature.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { RedactionAlgorithm, type RoomVersion } from './roomVersions.ts';

const TOP_LEVEL_KEPT_BEFORE_V11 = new Set([
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'prev_state', 'auth_events', 'origin', 'origin_server_ts', 'membership',
]);

const TOP_LEVEL_KEPT_V11 = new Set([
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'auth_events', 'origin_server_ts',
]);

const POWER_LEVELS_KEPT = ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'];

type ContentRule = readonly string[] | 'all';

function contentRules(algorithm: RedactionAlgorithm): Record<string, ContentRule> {
  switch (algorithm) {
    case RedactionAlgorithm.V1:
      return {
        'm.room.member': ['membership'],
        'm.room.create': ['creator'],
        'm.room.join_rules': ['join_rule'],
        'm.room.power_levels': POWER_LEVELS_KEPT,
        'm.room.aliases': ['aliases'],
        'm.room.history_visibility': ['history_visibility'],
      };
    case RedactionAlgorithm.V6:
      return {
        'm.room.member': ['membership'],
        'm.room.create': ['creator'],
        'm.room.join_rules': ['join_rule'],
        'm.room.power_levels': POWER_LEVELS_KEPT,
        'm.room.history_visibility': ['history_visibility'],
      };
    case RedactionAlgorithm.V9:
      return {
        'm.room.member': ['membership', 'join_authorised_via_users_server'],
        'm.room.create': ['creator'],
        'm.room.join_rules': ['join_rule', 'allow'],
        'm.room.power_levels': POWER_LEVELS_KEPT,
        'm.room.history_visibility': ['history_visibility'],
      };
    case RedactionAlgorithm.V11:
      return {
        'm.room.member': ['membership', 'join_authorised_via_users_server'],
        'm.room.create': 'all',
        'm.room.join_rules': ['join_rule', 'allow'],
        'm.room.power_levels': [...POWER_LEVELS_KEPT, 'invite'],
        'm.room.history_visibility': ['history_visibility'],
        'm.room.redaction': ['redacts'],
      };
  }
}

const RULES: Record<RedactionAlgorithm, Record<string, ContentRule>> = {
  [RedactionAlgorithm.V1]: contentRules(RedactionAlgorithm.V1),
  [RedactionAlgorithm.V6]: contentRules(RedactionAlgorithm.V6),
  [RedactionAlgorithm.V9]: contentRules(RedactionAlgorithm.V9),
  [RedactionAlgorithm.V11]: contentRules(RedactionAlgorithm.V11),
};

/**
 * Returns the redacted copy of `event` for `roomVersion`. Never throws on odd input: a missing or
 * non-object `content` becomes `{}`, and `unsigned` is dropped (callers re-add `redacted_because` as needed).
 */
export function redactEvent<T extends JsonObject>(event: T, roomVersion: RoomVersion): JsonObject {
  const topLevel = roomVersion.redaction === RedactionAlgorithm.V11 ? TOP_LEVEL_KEPT_V11 : TOP_LEVEL_KEPT_BEFORE_V11;
  const redacted: JsonObject = {};
  for (const [key, value] of Object.entries(event)) {
    if (topLevel.has(key) && key !== 'content') redacted[key] = value;
  }
  redacted.content = redactContent(event.type, event.content, roomVersion);
  return redacted;
}

function redactContent(type: JsonValue | undefined, content: JsonValue | undefined, roomVersion: RoomVersion): JsonObject {
  if (!isObject(content) || typeof type !== 'string') return {};
  const rule = RULES[roomVersion.redaction][type];
  if (rule === undefined) return {};
  if (rule === 'all') return { ...content };
  const kept: JsonObject = {};
  for (const key of rule) {
    if (key in content) kept[key] = content[key]!;
  }
  // v11: a member event keeps `third_party_invite.signed` (and only that) so the invite can still be checked.
  if (roomVersion.redaction === RedactionAlgorithm.V11 && type === 'm.room.member') {
    const invite = content.third_party_invite;
    if (isObject(invite) && 'signed' in invite) kept.third_party_invite = { signed: invite.signed! };
  }
  return kept;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
