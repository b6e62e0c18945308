/**
 * History visibility (client-server API, "Room History Visibility"): which events a user may see, judged by
 * the room's `m.room.history_visibility` and the user's membership in the state at each event. A change of
 * visibility is itself judged by the more permissive of the old and new settings; a user always sees their own
 * membership events. Callers bound ranges for users who left (no events after their leave).
 */
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { stateKey } from '../../state/stateMap.ts';

export type HistoryVisibility = 'world_readable' | 'shared' | 'invited' | 'joined';

const PERMISSIVENESS: Record<HistoryVisibility, number> = { world_readable: 3, shared: 2, invited: 1, joined: 0 };

export function readVisibility(value: unknown): HistoryVisibility {
  return value === 'world_readable' || value === 'shared' || value === 'invited' || value === 'joined' ? value : 'shared';
}

export interface VisibilityOptions {
  /** The user has no membership in the room (looking in from outside): only world-readable history shows. */
  readonly isPeeking?: boolean;
}

export class VisibilityFilter {
  constructor(private readonly stores: DataStores) {}

  async filterForUser(userId: string, events: readonly StoredEvent[], options: VisibilityOptions = {}): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const groups = this.stores.stateGroups.getStateGroupsForEvents(events.map((e) => e.event.eventId));
    const stateIdsNeeded = new Set<string>();
    const keyVisibility = stateKey('m.room.history_visibility', '');
    const keyMember = stateKey('m.room.member', userId);
    const perEvent = new Map<string, { visibilityId?: string; memberId?: string }>();
    for (const entry of events) {
      const group = groups.get(entry.event.eventId);
      if (group === undefined) continue;
      const state = await this.stores.stateGroups.getStateForGroup(group);
      const ids = { visibilityId: state.get(keyVisibility), memberId: state.get(keyMember) };
      if (ids.visibilityId) stateIdsNeeded.add(ids.visibilityId);
      if (ids.memberId) stateIdsNeeded.add(ids.memberId);
      if (entry.event.type === 'm.room.history_visibility' && entry.event.internal.replacesState) stateIdsNeeded.add(entry.event.internal.replacesState);
      perEvent.set(entry.event.eventId, ids);
    }
    const stateEvents = await this.stores.events.getEvents([...stateIdsNeeded]);
    return events.filter((entry) => {
      const event = entry.event;
      if (event.type === 'm.room.member' && event.stateKey === userId) return true;
      const ids = perEvent.get(event.eventId);
      // Outliers and events without known state are never shown by this path.
      if (!ids) return false;
      let visibility = readVisibility(ids.visibilityId ? stateEvents.get(ids.visibilityId)?.event.content.history_visibility : undefined);
      if (event.type === 'm.room.history_visibility' && event.stateKey === '') {
        // Before the change the room had the previous setting (shared when there was none).
        const replaced = event.internal.replacesState ? stateEvents.get(event.internal.replacesState) : undefined;
        const previous = readVisibility(replaced?.event.content.history_visibility);
        if (PERMISSIVENESS[previous] > PERMISSIVENESS[visibility]) visibility = previous;
      }
      const membership = ids.memberId ? (stateEvents.get(ids.memberId)?.event.membership ?? null) : null;
      if (membership === 'join' || visibility === 'world_readable') return true;
      if (visibility === 'invited') return membership === 'invite';
      if (visibility === 'shared') return options.isPeeking !== true;
      return false;
    });
  }
}
