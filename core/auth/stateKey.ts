/**
 * Keys for room state: a `(type, state_key)` pair as one string, so state can live in a plain Map. The rules read
 * state through `AuthState`, which either the event's own auth events or a state map (state resolution, the
 * current state for soft failure) can provide.
 */
import type { RoomEvent } from '../events/roomEvent.ts';

/** `(type, state_key)` encoded as one string; build it with `stateKey`. */
export type StateKeyTuple = string;

/** Unambiguous for any strings (types and state keys may contain any character, NUL included). */
export function stateKey(type: string, stateKey: string): StateKeyTuple {
  return JSON.stringify([type, stateKey]);
}

/** The `(type, state_key)` pair of a key made by `stateKey`. */
export function parseStateKey(key: StateKeyTuple): { type: string; stateKey: string } {
  const [type, sk] = JSON.parse(key) as [string, string];
  return { type, stateKey: sk };
}

/** The state the rules are evaluated against. A `ReadonlyMap<StateKeyTuple, RoomEvent>` is one. */
export interface AuthState {
  get(key: StateKeyTuple): RoomEvent | undefined;
}

/** The state key of a state event, or null for a message event. */
export function stateKeyOf(event: RoomEvent): StateKeyTuple | null {
  const sk = event.stateKey;
  return sk === null ? null : stateKey(event.type, sk);
}

/**
 * A state map of `events` (later entries win). Message events are skipped: they are never state.
 */
export function authStateFromEvents(events: Iterable<RoomEvent>): Map<StateKeyTuple, RoomEvent> {
  const state = new Map<StateKeyTuple, RoomEvent>();
  for (const event of events) {
    const key = stateKeyOf(event);
    if (key !== null) state.set(key, event);
  }
  return state;
}
