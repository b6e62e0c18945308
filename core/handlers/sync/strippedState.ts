/**
 * Stripped state ("Stripped state"): what an invited or knocking user sees of a room before joining. Taken from
 * the room's current state when this server is in the room (create, join rules, name, avatar, topic, canonical
 * alias, encryption, and the inviter's membership), followed by the membership event itself. Stripped events
 * carry only `type`, `state_key`, `sender` and `content`.
 */
import type { RoomEvent } from '../../events/roomEvent.ts';
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { stateKey } from '../../state/stateMap.ts';
import type { StrippedStateEvent } from './syncResponse.ts';

export const STRIPPED_STATE_TYPES: readonly string[] = [
  'm.room.create',
  'm.room.join_rules',
  'm.room.name',
  'm.room.avatar',
  'm.room.topic',
  'm.room.canonical_alias',
  'm.room.encryption',
];

export function strip(event: RoomEvent): StrippedStateEvent {
  return { type: event.type, state_key: event.stateKey ?? '', sender: event.sender, content: event.content };
}

/** The stripped state to show with an invite or knock (`membershipEvent`). */
export async function strippedStateFor(stores: DataStores, membershipEvent: RoomEvent): Promise<StrippedStateEvent[]> {
  const current = await stores.roomState.getCurrentStateIds(membershipEvent.roomId);
  // An invite from a room this server is not in: the inviting server sent the stripped state with it.
  const sent = membershipEvent.internal.inviteRoomState;
  if (current.size === 0 && sent && sent.length > 0) {
    const valid = sent.filter(
      (e): e is StrippedStateEvent & JsonObject =>
        typeof e.type === 'string' && typeof e.state_key === 'string' && typeof e.sender === 'string' && typeof e.content === 'object' && e.content !== null && !Array.isArray(e.content),
    );
    return [...valid.map((e) => ({ type: e.type, state_key: e.state_key, sender: e.sender, content: e.content })), strip(membershipEvent)];
  }
  const ids = STRIPPED_STATE_TYPES.map((type) => current.get(stateKey(type, '')));
  if (membershipEvent.sender !== membershipEvent.stateKey) ids.push(current.get(stateKey('m.room.member', membershipEvent.sender)));
  const wanted = ids.filter((id): id is string => id !== undefined && id !== membershipEvent.eventId);
  const stored = await stores.events.getEvents(wanted);
  const events = wanted.map((id) => stored.get(id)?.event).filter((e): e is RoomEvent => e !== undefined);
  return [...events.map(strip), strip(membershipEvent)];
}
