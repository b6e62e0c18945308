/**
 * Reading and changing a user's push rules (`/pushrules/global/...`). Users add, replace, reorder and delete
 * their own rules; server-default rules (IDs starting with a dot) can only be enabled, disabled or given other
 * actions. Every change is one transaction that also appends to the push-rules stream (so /sync can send
 * `m.push_rules`) and records the cache invalidation for other instances.
 *
 * Errors follow the specification and Synapse: an unknown rule is 404 `M_NOT_FOUND` (also when deleting a
 * server-default rule, which the user cannot delete); a bad rule ID is 400 `M_INVALID_PARAM`; a body field that
 * is missing is 400 `M_MISSING_PARAM` and one of the wrong JSON type 400 `M_BAD_JSON`; an unrecognised action,
 * a condition without a kind, and a `before`/`after` naming no rule of the user are 400 `M_UNKNOWN`, as Synapse
 * answers them.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { CacheInvalidationStream, PendingInvalidation } from '../../storage/controllers/cacheInvalidationStream.ts';
import { USER_PUSH_RULES_CACHE, type NewPushRule, type RulePlacement } from '../../storage/databases/main/pushRulesStore.ts';
import { MatrixError } from '../matrixError.ts';
import { isDefaultRule } from './defaultPushRules.ts';
import { isKnownAction, isServerDefaultRuleId, type PushAction, type PushRule, type PushRuleKind, type PushRuleset } from './pushRule.ts';
import { userPushRuleset } from './userPushRuleset.ts';

export interface RulePosition {
  /** Make the rule the next more important than this user rule. Wins over `after`. */
  readonly before: string | null;
  /** Make the rule the next less important than this user rule. */
  readonly after: string | null;
}

export class PushRulesHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly invalidations: CacheInvalidationStream,
  ) {}

  /** The user's effective `global` ruleset. */
  async getRuleset(userId: string): Promise<PushRuleset> {
    return userPushRuleset(userId, await this.stores.pushRules.getUserPushRules(userId));
  }

  async getRule(userId: string, kind: PushRuleKind, ruleId: string): Promise<PushRule> {
    const rule = (await this.getRuleset(userId))[kind].find((r) => r.rule_id === ruleId);
    if (!rule) throw notFound();
    return rule;
  }

  /** Adds or replaces one of the user's own rules (PUT /pushrules/global/{kind}/{ruleId}). */
  putRule(userId: string, kind: PushRuleKind, ruleId: string, body: JsonObject, position: RulePosition): void {
    checkRuleIdForWrite(ruleId);
    const rule = parseRuleBody(kind, body);
    const placement: RulePlacement = position.before ? { before: position.before } : position.after ? { after: position.after } : 'first';
    this.change(userId, () => {
      if (!this.stores.pushRules.upsertRule(userId, kind, ruleId, rule, placement)) {
        const named = position.before || position.after;
        throw new MatrixError(400, 'M_UNKNOWN', `before/after rule not found: ${named}`);
      }
    });
  }

  deleteRule(userId: string, kind: PushRuleKind, ruleId: string): void {
    if (isServerDefaultRuleId(ruleId)) {
      throw MatrixError.notFound(isDefaultRule(kind, ruleId) ? 'Server-default push rules cannot be deleted' : 'The push rule was not found.');
    }
    this.change(userId, () => {
      if (!this.stores.pushRules.deleteRule(userId, kind, ruleId)) throw notFound();
    });
  }

  setEnabled(userId: string, kind: PushRuleKind, ruleId: string, enabled: boolean): void {
    this.change(userId, () => {
      if (isServerDefaultRuleId(ruleId)) {
        if (!isDefaultRule(kind, ruleId)) throw notFound();
        this.stores.pushRules.setDefaultRuleEnabled(userId, kind, ruleId, enabled);
      } else if (!this.stores.pushRules.setRuleEnabled(userId, kind, ruleId, enabled)) {
        throw notFound();
      }
    });
  }

  setActions(userId: string, kind: PushRuleKind, ruleId: string, actionsValue: JsonValue | undefined): void {
    const actions = parseActions(actionsValue);
    this.change(userId, () => {
      if (isServerDefaultRuleId(ruleId)) {
        if (!isDefaultRule(kind, ruleId)) throw notFound();
        this.stores.pushRules.setDefaultRuleActions(userId, kind, ruleId, actions);
      } else if (!this.stores.pushRules.setRuleActions(userId, kind, ruleId, actions)) {
        throw notFound();
      }
    });
  }

  /** The push-rules stream position: rules changed at or below it are visible. */
  currentStreamPosition(): number {
    return this.stores.streams.pushRules.getCurrentToken();
  }

  /** Runs `write` in one transaction with the stream row and the cache invalidation; nothing is written if it throws. */
  private change(userId: string, write: () => void): void {
    const allocation = this.stores.streams.pushRules.allocate();
    const pending: PendingInvalidation[] = [{ cacheName: USER_PUSH_RULES_CACHE, key: [userId] }];
    try {
      this.stores.db
        .transaction(() => {
          write();
          this.stores.pushRules.recordChange(userId, allocation.last);
          this.invalidations.recordInTransaction(pending);
        })
        .immediate();
    } catch (error) {
      allocation.abort();
      throw error;
    }
    allocation.commit();
    this.invalidations.applyLocally(pending);
  }
}

function notFound(): MatrixError {
  return MatrixError.notFound('The push rule was not found.');
}

/** Rule IDs a client may create: not empty, not reserved for server defaults, and without slashes. */
function checkRuleIdForWrite(ruleId: string): void {
  if (ruleId === '') throw MatrixError.invalidParam('The rule ID must not be empty');
  if (isServerDefaultRuleId(ruleId)) throw MatrixError.invalidParam("Rule IDs starting with '.' are reserved for server-default rules");
  if (ruleId.includes('/') || ruleId.includes('\\')) throw MatrixError.invalidParam('Rule IDs may not contain slashes or backslashes');
}

function parseRuleBody(kind: PushRuleKind, body: JsonObject): NewPushRule {
  let conditions: JsonValue[] | null = null;
  let pattern: string | null = null;
  if (kind === 'override' || kind === 'underride') {
    const value = body.conditions;
    if (value === undefined || value === null) throw MatrixError.missingParam("Missing 'conditions'");
    if (!Array.isArray(value)) throw MatrixError.badJson("'conditions' must be an array");
    for (const condition of value) {
      if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) throw MatrixError.badJson('Each condition must be an object');
      if (typeof condition.kind !== 'string') throw new MatrixError(400, 'M_UNKNOWN', "Condition without 'kind'");
    }
    conditions = value;
  } else if (kind === 'content') {
    const value = body.pattern;
    if (value === undefined || value === null) throw MatrixError.missingParam("Content rule missing 'pattern'");
    if (typeof value !== 'string') throw MatrixError.badJson("'pattern' must be a string");
    pattern = value;
  }
  return { conditions, pattern, actions: parseActions(body.actions) };
}

function parseActions(value: JsonValue | undefined): PushAction[] {
  if (value === undefined || value === null) throw MatrixError.missingParam("Missing 'actions'");
  if (!Array.isArray(value)) throw MatrixError.badJson("'actions' must be an array");
  for (const action of value) {
    if (!isKnownAction(action)) throw new MatrixError(400, 'M_UNKNOWN', `Unrecognised action ${JSON.stringify(action)}`);
  }
  return value as PushAction[];
}
