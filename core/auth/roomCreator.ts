/**
 * The room's creator as the rules see it: `content.creator` of the create event up to v10, the create event's
 * sender from v11 (which dropped `creator`). Used for the default power levels and the creator's first join.
 */
import type { RoomEvent } from '../events/roomEvent.ts';

/** null when there is no create event or (before v11) its `creator` is missing or not a string. */
export function roomCreator(createEvent: RoomEvent | null | undefined): string | null {
  if (!createEvent) return null;
  if (createEvent.roomVersion.implicitRoomCreator) return createEvent.sender;
  const creator = createEvent.content.creator;
  return typeof creator === 'string' ? creator : null;
}
