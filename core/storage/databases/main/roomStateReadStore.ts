/**
 * Reading a room's current state (the `current_state_events` table). The whole map is cached per room and
 * prefilled by event persistence, so the common read after a send costs nothing.
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';
import { stateKey, type StateMap, type StateKeyTuple } from '../../../state/stateMap.ts';

export class RoomStateReadStore {
  readonly getCurrentStateIds: CachedFunction<[roomId: string], StateMap>;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
  ) {
    this.getCurrentStateIds = caches.cached({ name: 'getCurrentStateIds', maxEntries: 2_000 }, (roomId: string) => this.queryCurrentState(roomId));
  }

  private queryCurrentState(roomId: string): StateMap {
    const rows = this.db.prepare('SELECT type, state_key, event_id FROM current_state_events WHERE room_id = ?').all(roomId) as {
      type: string;
      state_key: string;
      event_id: string;
    }[];
    const state = new Map<StateKeyTuple, string>();
    for (const row of rows) state.set(stateKey(row.type, row.state_key), row.event_id);
    return state;
  }

  /** Every `m.room.history_visibility` event these rooms have had (state events, current or replaced). */
  historyVisibilityEventIds(roomIds: readonly string[]): string[] {
    if (roomIds.length === 0) return [];
    return this.db
      .prepare("SELECT event_id FROM state_events WHERE type = 'm.room.history_visibility' AND state_key = '' AND room_id IN (SELECT value FROM json_each(?))")
      .pluck()
      .all(JSON.stringify(roomIds)) as string[];
  }

  /** Rooms in which the server currently holds state (i.e. it is in the room). */
  roomsWithCurrentState(): string[] {
    return this.db.prepare('SELECT DISTINCT room_id FROM current_state_events').pluck().all() as string[];
  }
}
