/**
 * Which membership events each device has already been sent per room, so that lazy-loading syncs can leave out
 * redundant ones (the spec allows either; `include_redundant_members` asks for all). In memory and bounded: a
 * forgotten entry only means a member event is sent again.
 */

/** Devices remembered; the least recently syncing are forgotten first. */
const MAX_DEVICES = 1_000;
/** Rooms remembered per device. */
const MAX_ROOMS_PER_DEVICE = 2_000;

export class LazyMembersCache {
  private readonly devices = new Map<string, Map<string, Map<string, string>>>();

  /** Whether this device was already sent `eventId` as the membership of `memberId` in the room. */
  wasSent(userId: string, deviceId: string, roomId: string, memberId: string, eventId: string): boolean {
    return this.devices.get(deviceKey(userId, deviceId))?.get(roomId)?.get(memberId) === eventId;
  }

  /** Records member events sent to the device (`events`: member user ID → event ID). */
  recordSent(userId: string, deviceId: string, roomId: string, events: ReadonlyMap<string, string>): void {
    if (events.size === 0) return;
    const rooms = this.roomsOf(userId, deviceId);
    let members = rooms.get(roomId);
    if (members) rooms.delete(roomId);
    else members = new Map();
    rooms.set(roomId, members);
    for (const [memberId, eventId] of events) members.set(memberId, eventId);
    if (rooms.size > MAX_ROOMS_PER_DEVICE) rooms.delete(rooms.keys().next().value!);
  }

  /** Forgets what the device was sent in a room (its client starts that room afresh). */
  reset(userId: string, deviceId: string, roomId: string): void {
    this.devices.get(deviceKey(userId, deviceId))?.delete(roomId);
  }

  private roomsOf(userId: string, deviceId: string): Map<string, Map<string, string>> {
    const key = deviceKey(userId, deviceId);
    let rooms = this.devices.get(key);
    if (rooms) this.devices.delete(key);
    else rooms = new Map();
    this.devices.set(key, rooms);
    if (this.devices.size > MAX_DEVICES) this.devices.delete(this.devices.keys().next().value!);
    return rooms;
  }
}

function deviceKey(userId: string, deviceId: string): string {
  return `${userId}|${deviceId}`;
}
