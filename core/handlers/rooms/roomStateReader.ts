/**
 * Reading a room's state for handlers: current state events, one state event, a user's membership (from
 * current state while the server is in the room, else from `local_current_membership`), and the state at an
 * event (from its state group).
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { StoredEvent } from '../../storage/databases/main/eventsReadStore.ts';
import { parseStateKey, stateKey, type StateMap } from '../../state/stateMap.ts';

export interface MembershipInfo {
  readonly membership: string;
  readonly eventId: string;
  /** Events stream position of the membership event. */
  readonly streamOrdering: number;
}

export class RoomStateReader {
  constructor(private readonly stores: DataStores) {}

  async currentStateIds(roomId: string): Promise<StateMap> {
    return this.stores.roomState.getCurrentStateIds(roomId);
  }

  async eventsOf(state: StateMap, filter?: (type: string, stateKey: string) => boolean): Promise<StoredEvent[]> {
    const ids: string[] = [];
    for (const [key, id] of state) {
      if (!filter) ids.push(id);
      else {
        const { type, stateKey: sk } = parseStateKey(key);
        if (filter(type, sk)) ids.push(id);
      }
    }
    const stored = await this.stores.events.getEvents(ids);
    return ids.map((id) => stored.get(id)).filter((e): e is StoredEvent => e !== null && e !== undefined);
  }

  async currentStateEvents(roomId: string, filter?: (type: string, stateKey: string) => boolean): Promise<StoredEvent[]> {
    return this.eventsOf(await this.currentStateIds(roomId), filter);
  }

  async currentStateEvent(roomId: string, type: string, key: string): Promise<StoredEvent | null> {
    const id = (await this.currentStateIds(roomId)).get(stateKey(type, key));
    return id ? await this.stores.events.getEvent(id) : null;
  }

  /** The user's membership in the room now: current state when we are in the room, else the local record. */
  async membership(roomId: string, userId: string): Promise<MembershipInfo | null> {
    const current = await this.currentStateEvent(roomId, 'm.room.member', userId);
    if (current?.event.membership) return { membership: current.event.membership, eventId: current.event.eventId, streamOrdering: current.streamOrdering };
    if (userId.endsWith(`:${this.stores.serverName}`)) {
      const local = this.stores.members.getLocalMembership(userId, roomId);
      if (local) return { membership: local.membership, eventId: local.eventId, streamOrdering: local.streamOrdering };
    }
    return null;
  }

  /** The state after an event, or null if it is not known (outliers). */
  async stateAfterEvent(eventId: string): Promise<StateMap | null> {
    const group = this.stores.stateGroups.getStateGroupsForEvents([eventId]).get(eventId);
    return group === undefined ? null : this.stores.stateGroups.getStateForGroup(group);
  }

  /** The state before an event: the state after it minus the event itself when it is a state event. */
  async stateBeforeEvent(stored: StoredEvent): Promise<StateMap | null> {
    const after = await this.stateAfterEvent(stored.event.eventId);
    if (after === null) return null;
    const event = stored.event;
    if (event.stateKey === null) return after;
    const key = stateKey(event.type, event.stateKey);
    if (after.get(key) !== event.eventId) return after;
    const before = new Map(after);
    if (event.internal.replacesState) before.set(key, event.internal.replacesState);
    else before.delete(key);
    return before;
  }
}
