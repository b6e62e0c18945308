/**
 * Push rules as clients see them (client-server API, "Push Rules"; definitions/push_rule.yaml): the five kinds in
 * the order they are checked, and the rule and ruleset shapes served by `/pushrules/` and evaluated for events.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';

export type PushRuleKind = 'override' | 'content' | 'room' | 'sender' | 'underride';

/** Every kind, in the order rules are checked. */
export const PUSH_RULE_KINDS: readonly PushRuleKind[] = ['override', 'content', 'room', 'sender', 'underride'];

export function isPushRuleKind(value: string): value is PushRuleKind {
  return (PUSH_RULE_KINDS as readonly string[]).includes(value);
}

/** A condition as stored and served. Unknown kinds are kept verbatim (they never match). */
export type PushCondition = JsonObject;

/** `"notify"`, a legacy string action, or an object such as `{ "set_tweak": "sound", "value": "default" }`. */
export type PushAction = string | JsonObject;

export interface PushRule {
  readonly rule_id: string;
  readonly default: boolean;
  readonly enabled: boolean;
  readonly actions: readonly PushAction[];
  /** Override and underride rules only. */
  readonly conditions?: readonly PushCondition[];
  /** Content rules only: the glob matched against words of `content.body`. */
  readonly pattern?: string;
}

/** The `global` ruleset: each kind's rules in priority order (most important first). */
export type PushRuleset = { readonly [K in PushRuleKind]: readonly PushRule[] };

/** Server-default rule IDs start with a dot; clients cannot create, replace or delete them. */
export function isServerDefaultRuleId(ruleId: string): boolean {
  return ruleId.startsWith('.');
}

/** Whether a JSON value is an action this server understands (anything else is refused when setting rules). */
export function isKnownAction(action: JsonValue): action is PushAction {
  if (action === 'notify' || action === 'dont_notify' || action === 'coalesce') return true;
  return typeof action === 'object' && action !== null && !Array.isArray(action) && typeof action.set_tweak === 'string';
}
