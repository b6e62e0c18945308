/**
 * What the server knows about an event's place in room state when it persists it: the state groups before and
 * after it, and whether it was rejected. Computed by the state controller; consumed by event persistence.
 */
import type { StateMap } from './stateMap.ts';

export interface EventContext {
  /** The state before the event; null for outliers (state unknown) and for `m.room.create`. */
  readonly stateGroupBefore: number | null;
  /** The state after the event: a new group for an accepted state event, else the same as before. Null for outliers. */
  readonly stateGroupAfter: number | null;
  /** The state after the event, when the caller already has it (saves loading it again). */
  readonly stateAfter?: StateMap;
  /** Why the event was rejected, or null. Rejected events are stored but never change state. */
  readonly rejectedReason: string | null;
}

/** The context of an outlier: stored, but outside the room's DAG and state. */
export const OUTLIER_CONTEXT: EventContext = { stateGroupBefore: null, stateGroupAfter: null, rejectedReason: null };
