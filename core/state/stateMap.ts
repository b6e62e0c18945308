/**
 * Room state as a map from `(type, state_key)` to event ID. Keys are made by `stateKey` (core/auth/stateKey.ts)
 * so that state from storage, from state resolution and from the auth rules share one encoding.
 */
import { stateKey, parseStateKey, type StateKeyTuple } from '../auth/stateKey.ts';

export type StateMap = ReadonlyMap<StateKeyTuple, string>;

export { stateKey, parseStateKey, type StateKeyTuple };

export interface StateDelta {
  /** Keys whose event changed or appeared: new event ID. */
  readonly toInsert: ReadonlyMap<StateKeyTuple, string>;
  /** Keys present before and absent now. */
  readonly toDelete: readonly StateKeyTuple[];
}

/** What changes to go from `before` to `after`. */
export function diffState(before: StateMap, after: StateMap): StateDelta {
  const toInsert = new Map<StateKeyTuple, string>();
  for (const [key, eventId] of after) if (before.get(key) !== eventId) toInsert.set(key, eventId);
  const toDelete = [...before.keys()].filter((key) => !after.has(key));
  return { toInsert, toDelete };
}

export function isEmptyDelta(delta: StateDelta): boolean {
  return delta.toInsert.size === 0 && delta.toDelete.length === 0;
}
