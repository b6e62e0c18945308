/**
 * What a matched rule's actions mean for one recipient ("Actions"): whether the event notifies and whether it
 * highlights. `dont_notify` and `coalesce` are historical actions that must be ignored, so they are stripped before
 * anything is stored or counted.
 */
import type { JsonValue } from '../../crypto/canonicalJson.ts';
import type { PushAction } from './pushRule.ts';

const HISTORICAL_ACTIONS: ReadonlySet<string> = new Set(['dont_notify', 'coalesce']);

/** The actions without the historical no-ops. */
export function effectiveActions(actions: readonly PushAction[]): PushAction[] {
  return actions.filter((action) => typeof action !== 'string' || !HISTORICAL_ACTIONS.has(action));
}

export function notifies(actions: readonly PushAction[]): boolean {
  return actions.includes('notify');
}

/** A `highlight` tweak without a value means true; no highlight tweak at all means false. */
export function highlights(actions: readonly PushAction[]): boolean {
  for (const action of actions) {
    if (typeof action === 'string' || action.set_tweak !== 'highlight') continue;
    return action.value === undefined || action.value === true;
  }
  return false;
}

/** The `set_tweak` actions as a push gateway's `tweaks` (a highlight tweak without a value is true). */
export function tweaksOf(actions: readonly PushAction[]): Record<string, JsonValue> {
  const tweaks: Record<string, JsonValue> = {};
  for (const action of actions) {
    if (typeof action === 'string' || typeof action.set_tweak !== 'string') continue;
    tweaks[action.set_tweak] = action.value ?? (action.set_tweak === 'highlight' ? true : null);
  }
  return tweaks;
}
