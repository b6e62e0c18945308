/**
 * Evaluates a user's push rules against one event (client-server API, "Push Rules" and "Conditions"): kinds in
 * order (override, content, room, sender, underride), rules in order within a kind; the first enabled rule whose
 * conditions all hold decides the actions. No match means no actions. Pure: everything it needs about the room
 * (member count, the sender's notification permission) and the recipient (ID, display name) comes in.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { containsWords, globMatches } from './globMatcher.ts';
import { valueAtPath } from './propertyPath.ts';
import { effectiveActions } from './pushActions.ts';
import { LEGACY_MENTION_RULE_IDS } from './defaultPushRules.ts';
import { PUSH_RULE_KINDS, type PushAction, type PushCondition, type PushRule, type PushRuleKind, type PushRuleset } from './pushRule.ts';

/** What conditions may ask about the event and its room, the same for every recipient. */
export interface PushEventFacts {
  /** The event as JSON (type, sender, state_key, room_id, content, ...), read by property paths. */
  readonly event: JsonObject;
  /** Joined members of the room at the event. */
  readonly roomMemberCount: number;
  /** Whether the sender's power level reaches `notifications[key]` of the room's power levels. */
  senderHasNotificationPermission(key: string): boolean;
}

/** Who the rules are evaluated for. */
export interface PushRecipient {
  readonly userId: string;
  /** Their display name in the room, if any. */
  readonly displayName: string | null;
}

export interface PushEvaluation {
  readonly kind: PushRuleKind;
  readonly ruleId: string;
  /** The rule's actions without historical no-ops (possibly empty: the rule suppresses notifications). */
  readonly actions: PushAction[];
}

/** The first matching rule and its actions, or null when no rule matches. */
export function evaluatePushRules(ruleset: PushRuleset, facts: PushEventFacts, recipient: PushRecipient): PushEvaluation | null {
  const content = facts.event.content;
  const hasMentions = typeof content === 'object' && content !== null && !Array.isArray(content) && Object.hasOwn(content, 'm.mentions');
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of ruleset[kind]) {
      if (!rule.enabled) continue;
      if (hasMentions && rule.default && LEGACY_MENTION_RULE_IDS.has(rule.rule_id)) continue;
      if (ruleMatches(kind, rule, facts, recipient)) return { kind, ruleId: rule.rule_id, actions: effectiveActions(rule.actions) };
    }
  }
  return null;
}

function ruleMatches(kind: PushRuleKind, rule: PushRule, facts: PushEventFacts, recipient: PushRecipient): boolean {
  switch (kind) {
    case 'override':
    case 'underride':
      return (rule.conditions ?? []).every((condition) => conditionHolds(condition, facts, recipient));
    case 'content': {
      const body = valueAtPath(facts.event, 'content.body');
      return typeof rule.pattern === 'string' && typeof body === 'string' && globMatches(rule.pattern, body, 'words');
    }
    case 'room':
      return facts.event.room_id === rule.rule_id;
    case 'sender':
      return facts.event.sender === rule.rule_id;
  }
}

/** Whether one condition holds. Unknown kinds and malformed parameters never hold. */
export function conditionHolds(condition: PushCondition, facts: PushEventFacts, recipient: PushRecipient): boolean {
  switch (condition.kind) {
    case 'event_match': {
      const { key, pattern } = condition;
      if (typeof key !== 'string' || typeof pattern !== 'string') return false;
      const value = valueAtPath(facts.event, key);
      return typeof value === 'string' && globMatches(pattern, value, key === 'content.body' ? 'words' : 'whole');
    }
    case 'event_property_is': {
      const { key, value } = condition;
      if (typeof key !== 'string' || !isSimpleValue(value)) return false;
      const actual = valueAtPath(facts.event, key);
      return isSimpleValue(actual) && actual === value;
    }
    case 'event_property_contains': {
      const { key, value } = condition;
      if (typeof key !== 'string' || !isSimpleValue(value)) return false;
      const actual = valueAtPath(facts.event, key);
      return Array.isArray(actual) && actual.some((item) => isSimpleValue(item) && item === value);
    }
    case 'contains_display_name': {
      const body = valueAtPath(facts.event, 'content.body');
      // An empty display name would match everything.
      return typeof body === 'string' && !!recipient.displayName && containsWords(recipient.displayName, body);
    }
    case 'room_member_count': {
      const is = condition.is;
      return typeof is === 'string' && memberCountMatches(is, facts.roomMemberCount);
    }
    case 'sender_notification_permission': {
      const key = condition.key;
      return typeof key === 'string' && facts.senderHasNotificationPermission(key);
    }
    default:
      return false;
  }
}

const MEMBER_COUNT = /^(==|<=|>=|<|>)?([0-9]+)$/;

/** `is` of `room_member_count`: a decimal integer with an optional `==`, `<`, `>`, `<=` or `>=` prefix (`==` when absent). */
export function memberCountMatches(is: string, count: number): boolean {
  const match = MEMBER_COUNT.exec(is);
  if (!match) return false;
  const target = Number(match[2]);
  switch (match[1] ?? '==') {
    case '==':
      return count === target;
    case '<':
      return count < target;
    case '>':
      return count > target;
    case '<=':
      return count <= target;
    case '>=':
      return count >= target;
    default:
      return false;
  }
}

/** Non-compound canonical JSON values: strings, integers in [-(2^53)+1, 2^53-1], booleans and null. */
function isSimpleValue(value: JsonValue | undefined): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isSafeInteger(value));
}
