/**
 * Computes event contexts: the state before and after an event, as state groups. The state before an event is
 * the state after its prev events, resolved when they disagree; the state after is that plus the event itself
 * if it is an accepted state event.
 */
import type { RoomEvent } from '../../events/roomEvent.ts';
import type { RoomVersion } from '../../events/roomVersions.ts';
import type { DataStores } from '../databases/mainDataStore.ts';
import type { EventContext } from '../../state/eventContext.ts';
import { allStatesEqual, type EventLoader, type StateResolver } from '../../state/stateResolver.ts';
import { stateKey, type StateMap, type StateKeyTuple } from '../../state/stateMap.ts';

export interface StateBefore {
  readonly state: StateMap;
  /** The group holding exactly this state, if one exists already. */
  readonly group: number | null;
}

export class MissingPrevStateError extends Error {
  override readonly name = 'MissingPrevStateError';
}

export class StateController {
  constructor(
    private readonly stores: DataStores,
    private readonly resolver: StateResolver,
  ) {}

  /** Loads events for the resolver from storage. */
  readonly loadEvents: EventLoader = async (eventIds) => {
    const stored = await this.stores.events.getEvents(eventIds);
    const events = new Map<string, RoomEvent>();
    for (const [id, entry] of stored) if (entry) events.set(id, entry.event);
    return events;
  };

  /** The state after each of `eventIds` (which must be stored with state, i.e. not outliers). */
  async statesAfter(eventIds: readonly string[]): Promise<{ eventId: string; group: number; state: StateMap }[]> {
    const groups = this.stores.stateGroups.getStateGroupsForEvents(eventIds);
    return Promise.all(
      eventIds.map(async (eventId) => {
        const group = groups.get(eventId);
        if (group === undefined) throw new MissingPrevStateError(`no state is known after ${eventId}`);
        return { eventId, group, state: await this.stores.stateGroups.getStateForGroup(group) };
      }),
    );
  }

  /** The state before an event with these prev events: resolved from the states after them. */
  async stateBefore(roomId: string, roomVersion: RoomVersion, prevEventIds: readonly string[]): Promise<StateBefore> {
    if (prevEventIds.length === 0) return { state: new Map(), group: null };
    const after = await this.statesAfter(prevEventIds);
    if (allStatesEqual(after.map((a) => a.state))) return { state: after[0]!.state, group: after[0]!.group };
    const resolved = await this.resolver.resolve(roomId, roomVersion, after.map((a) => a.state), this.loadEvents);
    return { state: resolved, group: null };
  }

  /**
   * The context of `event` given the state before it. Stores the state groups it needs (a group for the state
   * before, if that state has none yet, and one for the state after an accepted state event).
   */
  contextFor(event: RoomEvent, before: StateBefore, rejectedReason: string | null): EventContext {
    const writer = this.stores.stateGroupsWriter;
    let groupBefore = before.group;
    if (groupBefore === null && before.state.size > 0) {
      groupBefore = writer.storeStateGroup({ roomId: event.roomId, eventId: event.eventId, state: before.state });
    }
    const key: StateKeyTuple | null = event.stateKey === null ? null : stateKey(event.type, event.stateKey);
    if (key === null || rejectedReason !== null) {
      return { stateGroupBefore: groupBefore, stateGroupAfter: groupBefore, stateAfter: before.state, rejectedReason };
    }
    const after = new Map(before.state);
    after.set(key, event.eventId);
    const groupAfter = writer.storeStateGroup({
      roomId: event.roomId,
      eventId: event.eventId,
      state: after,
      ...(groupBefore === null ? {} : { previous: { group: groupBefore, state: before.state } }),
    });
    return { stateGroupBefore: groupBefore, stateGroupAfter: groupAfter, stateAfter: after, rejectedReason };
  }

  /** stateBefore + contextFor: the context of a new event that is accepted (auth is the caller's job). */
  async computeContext(event: RoomEvent, rejectedReason: string | null = null): Promise<EventContext> {
    return this.contextFor(event, await this.stateBefore(event.roomId, event.roomVersion, event.prevEventIds), rejectedReason);
  }
}
