/**
 * Each user's push rules: the rules they created (ordered by priority within a kind, higher first) and their
 * changes to the server-default rules (enabled, actions), plus the push-rules stream that tells /sync a user's
 * rules changed. Reads are cached per user; writers run inside the caller's transaction and the caller
 * invalidates `getUserPushRules` after commit.
 */
import type { JsonValue } from '../../../crypto/canonicalJson.ts';
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';

export interface StoredPushRule {
  readonly kind: string;
  readonly ruleId: string;
  readonly priority: number;
  readonly conditions: JsonValue[] | null;
  readonly pattern: string | null;
  readonly actions: JsonValue[];
  readonly enabled: boolean;
}

export interface DefaultRuleChange {
  readonly kind: string;
  readonly ruleId: string;
  /** Null: as the server default. */
  readonly enabled: boolean | null;
  readonly actions: JsonValue[] | null;
}

export interface UserPushRules {
  /** The user's own rules, by kind then priority (most important first). */
  readonly rules: readonly StoredPushRule[];
  readonly defaultChanges: readonly DefaultRuleChange[];
}

export interface NewPushRule {
  readonly conditions: JsonValue[] | null;
  readonly pattern: string | null;
  readonly actions: JsonValue[];
}

/** Where a new or replaced rule goes among the user's rules of its kind. */
export type RulePlacement = { readonly before: string } | { readonly after: string } | 'first';

export const USER_PUSH_RULES_CACHE = 'getUserPushRules';

export class PushRulesStore {
  readonly getUserPushRules: CachedFunction<[userId: string], UserPushRules>;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
  ) {
    this.getUserPushRules = caches.cached({ name: USER_PUSH_RULES_CACHE, maxEntries: 1_000 }, (userId: string) => this.loadUserPushRules(userId));
  }

  /** Uncached read, for use inside a write transaction. */
  loadUserPushRules(userId: string): UserPushRules {
    const rules = this.db
      .prepare('SELECT kind, rule_id, priority, conditions, pattern, actions, enabled FROM push_rules WHERE user_id = ? ORDER BY kind, priority DESC, rule_id')
      .all(userId) as { kind: string; rule_id: string; priority: number; conditions: string | null; pattern: string | null; actions: string; enabled: number }[];
    const changes = this.db
      .prepare('SELECT kind, rule_id, enabled, actions FROM push_rules_default_changes WHERE user_id = ? ORDER BY kind, rule_id')
      .all(userId) as { kind: string; rule_id: string; enabled: number | null; actions: string | null }[];
    return {
      rules: rules.map((r) => ({
        kind: r.kind,
        ruleId: r.rule_id,
        priority: r.priority,
        conditions: r.conditions === null ? null : (JSON.parse(r.conditions) as JsonValue[]),
        pattern: r.pattern,
        actions: JSON.parse(r.actions) as JsonValue[],
        enabled: r.enabled === 1,
      })),
      defaultChanges: changes.map((c) => ({
        kind: c.kind,
        ruleId: c.rule_id,
        enabled: c.enabled === null ? null : c.enabled === 1,
        actions: c.actions === null ? null : (JSON.parse(c.actions) as JsonValue[]),
      })),
    };
  }

  /** The priority of one of the user's rules, or null when they have no such rule. */
  private priorityOf(userId: string, kind: string, ruleId: string): number | null {
    const priority = this.db.prepare('SELECT priority FROM push_rules WHERE user_id = ? AND kind = ? AND rule_id = ?').pluck().get(userId, kind, ruleId) as
      | number
      | undefined;
    return priority ?? null;
  }

  /**
   * Adds a rule, or replaces the user's rule of that ID (keeping whether it is enabled), at `placement`.
   * Returns false, writing nothing, when the rule named by `before`/`after` does not exist.
   */
  upsertRule(userId: string, kind: string, ruleId: string, rule: NewPushRule, placement: RulePlacement): boolean {
    const wasEnabled = this.db.prepare('SELECT enabled FROM push_rules WHERE user_id = ? AND kind = ? AND rule_id = ?').pluck().get(userId, kind, ruleId) as
      | number
      | undefined;
    const relativeTo = placement === 'first' ? null : 'before' in placement ? placement.before : placement.after;
    if (relativeTo !== null && (relativeTo === ruleId || this.priorityOf(userId, kind, relativeTo) === null)) return false;
    this.db.prepare('DELETE FROM push_rules WHERE user_id = ? AND kind = ? AND rule_id = ?').run(userId, kind, ruleId);
    let priority: number;
    const shift = this.db.prepare('UPDATE push_rules SET priority = priority + 1 WHERE user_id = ? AND kind = ? AND priority >= ?');
    if (placement === 'first') {
      const max = this.db.prepare('SELECT MAX(priority) FROM push_rules WHERE user_id = ? AND kind = ?').pluck().get(userId, kind) as number | null;
      priority = (max ?? 0) + 1;
    } else if ('before' in placement) {
      // Just above the named rule: everything above it moves up one to make room.
      priority = this.priorityOf(userId, kind, placement.before)! + 1;
      shift.run(userId, kind, priority);
    } else {
      // Just below the named rule: it and everything above it move up one.
      priority = this.priorityOf(userId, kind, placement.after)!;
      shift.run(userId, kind, priority);
    }
    this.db
      .prepare('INSERT INTO push_rules (user_id, kind, rule_id, priority, conditions, pattern, actions, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(userId, kind, ruleId, priority, rule.conditions === null ? null : JSON.stringify(rule.conditions), rule.pattern, JSON.stringify(rule.actions), wasEnabled ?? 1);
    return true;
  }

  deleteRule(userId: string, kind: string, ruleId: string): boolean {
    return this.db.prepare('DELETE FROM push_rules WHERE user_id = ? AND kind = ? AND rule_id = ?').run(userId, kind, ruleId).changes > 0;
  }

  /** Sets `enabled` of one of the user's own rules; false when there is no such rule. */
  setRuleEnabled(userId: string, kind: string, ruleId: string, enabled: boolean): boolean {
    return this.db.prepare('UPDATE push_rules SET enabled = ? WHERE user_id = ? AND kind = ? AND rule_id = ?').run(enabled ? 1 : 0, userId, kind, ruleId).changes > 0;
  }

  /** Sets the actions of one of the user's own rules; false when there is no such rule. */
  setRuleActions(userId: string, kind: string, ruleId: string, actions: JsonValue[]): boolean {
    return this.db.prepare('UPDATE push_rules SET actions = ? WHERE user_id = ? AND kind = ? AND rule_id = ?').run(JSON.stringify(actions), userId, kind, ruleId).changes > 0;
  }

  setDefaultRuleEnabled(userId: string, kind: string, ruleId: string, enabled: boolean): void {
    this.db
      .prepare(
        `INSERT INTO push_rules_default_changes (user_id, kind, rule_id, enabled) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET enabled = excluded.enabled`,
      )
      .run(userId, kind, ruleId, enabled ? 1 : 0);
  }

  setDefaultRuleActions(userId: string, kind: string, ruleId: string, actions: JsonValue[]): void {
    this.db
      .prepare(
        `INSERT INTO push_rules_default_changes (user_id, kind, rule_id, actions) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET actions = excluded.actions`,
      )
      .run(userId, kind, ruleId, JSON.stringify(actions));
  }

  /** Records that the user's rules changed at `streamId` of the push-rules stream. */
  recordChange(userId: string, streamId: number): void {
    this.db.prepare('INSERT INTO push_rules_stream (stream_id, user_id) VALUES (?, ?)').run(streamId, userId);
  }

  /** The users whose rules changed after `from` up to `to` (push-rules stream positions), for /sync. */
  getUsersWithChangedRules(from: number, to: number): string[] {
    return this.db.prepare('SELECT DISTINCT user_id FROM push_rules_stream WHERE stream_id > ? AND stream_id <= ? ORDER BY user_id').pluck().all(from, to) as string[];
  }

  /** Whether the user's rules changed after `from` up to `to`. */
  haveRulesChanged(userId: string, from: number, to: number): boolean {
    return this.db.prepare('SELECT 1 FROM push_rules_stream WHERE user_id = ? AND stream_id > ? AND stream_id <= ? LIMIT 1').get(userId, from, to) !== undefined;
  }
}
