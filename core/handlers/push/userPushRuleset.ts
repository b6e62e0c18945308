/**
 * A user's effective ruleset: the server-default rules (with the user's changes to their `enabled` and `actions`)
 * merged with the user's own rules. Within each kind the user's rules come first, in their priority order, then
 * the defaults in the specification's order; `.m.rule.master` alone stays ahead of everything.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { UserPushRules } from '../../storage/databases/main/pushRulesStore.ts';
import { defaultPushRules, MASTER_RULE_ID } from './defaultPushRules.ts';
import { isPushRuleKind, PUSH_RULE_KINDS, type PushAction, type PushRule, type PushRuleKind, type PushRuleset } from './pushRule.ts';

export function userPushRuleset(userId: string, stored: UserPushRules): PushRuleset {
  const defaults = defaultPushRules(userId);
  const changes = new Map(stored.defaultChanges.map((c) => [`${c.kind}\u0000${c.ruleId}`, c]));
  const withChanges = (kind: PushRuleKind, rule: PushRule): PushRule => {
    const change = changes.get(`${kind}\u0000${rule.rule_id}`);
    if (!change) return rule;
    return {
      ...rule,
      ...(change.enabled === null ? {} : { enabled: change.enabled }),
      ...(change.actions === null ? {} : { actions: change.actions as PushAction[] }),
    };
  };
  const own: Record<PushRuleKind, PushRule[]> = { override: [], content: [], room: [], sender: [], underride: [] };
  // The store returns rules by kind, most important first.
  for (const rule of stored.rules) {
    if (!isPushRuleKind(rule.kind)) continue;
    const served: { -readonly [K in keyof PushRule]: PushRule[K] } = {
      rule_id: rule.ruleId,
      default: false,
      enabled: rule.enabled,
      actions: rule.actions as PushAction[],
    };
    if (rule.kind === 'override' || rule.kind === 'underride') served.conditions = (rule.conditions ?? []) as JsonObject[];
    if (rule.kind === 'content' && rule.pattern !== null) served.pattern = rule.pattern;
    own[rule.kind].push(served);
  }
  const ruleset = {} as Record<PushRuleKind, PushRule[]>;
  for (const kind of PUSH_RULE_KINDS) {
    const kindDefaults = defaults[kind].map((rule) => withChanges(kind, rule));
    if (kind === 'override') {
      const master = kindDefaults.filter((r) => r.rule_id === MASTER_RULE_ID);
      ruleset.override = [...master, ...own.override, ...kindDefaults.filter((r) => r.rule_id !== MASTER_RULE_ID)];
    } else {
      ruleset[kind] = [...own[kind], ...kindDefaults];
    }
  }
  return ruleset;
}
