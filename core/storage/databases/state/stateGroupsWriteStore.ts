/**
 * Writing state groups: a new group is stored as a delta against a previous group when the new state only adds
 * or replaces entries and the chain stays short; otherwise as full state. Deltas cannot express a removed key,
 * which state resolution can produce, so such states are stored in full.
 */
import type { Database } from '../../engine/database.ts';
import { diffState, parseStateKey, type StateMap } from '../../../state/stateMap.ts';
import type { StateGroupsReadStore } from './stateGroupsReadStore.ts';

/** Longest delta chain before a group is stored in full, bounding the cost of loading a state. */
export const MAX_STATE_DELTA_HOPS = 100;

export interface NewStateGroup {
  readonly roomId: string;
  /** The event this state belongs to (after it, for state events; before it, for others). */
  readonly eventId: string;
  readonly state: StateMap;
  /** A group this state is close to, usually the one before the event. */
  readonly previous?: { readonly group: number; readonly state: StateMap };
}

export class StateGroupsWriteStore {
  constructor(
    private readonly db: Database,
    private readonly reader: StateGroupsReadStore,
  ) {}

  /** Stores a state group and returns its ID. Runs in its own transaction unless called inside one. */
  storeStateGroup(group: NewStateGroup): number {
    return this.db.transaction(() => this.storeInTransaction(group)).immediate();
  }

  private storeInTransaction({ roomId, eventId, state, previous }: NewStateGroup): number {
    const id = Number(this.db.prepare('INSERT INTO state_groups (room_id, event_id) VALUES (?, ?)').run(roomId, eventId).lastInsertRowid);
    const insertRow = this.db.prepare('INSERT INTO state_groups_state (state_group, room_id, type, state_key, event_id) VALUES (?, ?, ?, ?, ?)');
    let rows: Iterable<[string, string]> = state;
    if (previous) {
      const delta = diffState(previous.state, state);
      if (delta.toDelete.length === 0 && this.reader.chainLength(previous.group) < MAX_STATE_DELTA_HOPS) {
        this.db.prepare('INSERT INTO state_group_edges (state_group, prev_state_group) VALUES (?, ?)').run(id, previous.group);
        rows = delta.toInsert;
      }
    }
    for (const [key, stateEventId] of rows) {
      const { type, stateKey } = parseStateKey(key);
      insertRow.run(id, roomId, type, stateKey, stateEventId);
    }
    return id;
  }
}
