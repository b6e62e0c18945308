/**
 * Reading `m.room.power_levels` content per room version (rooms/fragments/v1-stringy-power-levels.md,
 * v1-floaty-power-levels.md, and the v10 integer rule), with the defaults the spec gives for absent values and for
 * rooms without a power-levels event. Values are parsed when read, so a malformed entry affects only the reads that
 * need it; such a read throws InvalidPowerLevelsError (an AuthError), and the event being checked is rejected.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import type { RoomVersion } from '../events/roomVersions.ts';
import { InvalidPowerLevelsError } from './authError.ts';
import { roomCreator } from './roomCreator.ts';
import { describeJsonType, isObject } from './jsonShape.ts';

/** The top-level integer levels of the content. */
export type NamedLevel = 'users_default' | 'events_default' | 'state_default' | 'ban' | 'kick' | 'redact' | 'invite';

export const NAMED_LEVELS: readonly NamedLevel[] = [
  'users_default', 'events_default', 'state_default', 'ban', 'redact', 'kick', 'invite',
];

/** Defaults for absent values (server-server API "Definitions" and the m.room.power_levels schema). */
export const DEFAULT_LEVELS: Readonly<Record<NamedLevel, number>> = Object.freeze({
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
});

/** Without a power-levels event the creator has this level and everyone else `users_default` (0). */
export const CREATOR_DEFAULT_LEVEL = 100;
/** `notifications.room` when absent. */
export const DEFAULT_ROOM_NOTIFICATION_LEVEL = 50;

export type LevelReading = { readonly ok: true; readonly level: number } | { readonly ok: false; readonly problem: string };

/**
 * The spec's string grammar (v1-v9): optional surrounding whitespace, an optional single sign, base-10 digits
 * (leading zeroes allowed). Nothing else: no decimal point, exponent or digit separators.
 */
const STRINGY_LEVEL = /^\s*[+-]?[0-9]+\s*$/;

/** Reads one power level value as `roomVersion` allows it. */
export function readPowerLevelValue(value: JsonValue | undefined, roomVersion: RoomVersion): LevelReading {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, problem: 'is not a finite number' };
    if (Number.isInteger(value)) return { ok: true, level: value + 0 };
    // Floats only exist in versions without strict canonical JSON (v1-v5); they are truncated toward zero.
    if (!roomVersion.integerPowerLevels && !roomVersion.strictCanonicalJson) return { ok: true, level: Math.trunc(value) + 0 };
    return { ok: false, problem: 'is not an integer' };
  }
  if (typeof value === 'string') {
    if (roomVersion.integerPowerLevels) return { ok: false, problem: 'is a string; this room version requires integers' };
    if (!STRINGY_LEVEL.test(value)) return { ok: false, problem: `(${JSON.stringify(value)}) is not an integer string` };
    const level = Number(value.trim());
    if (!Number.isFinite(level)) return { ok: false, problem: 'is out of range' };
    return { ok: true, level: level + 0 };
  }
  return { ok: false, problem: `is ${describeJsonType(value)}, not an integer` };
}

/** Reads an optional value: undefined when absent. Throws InvalidPowerLevelsError naming `where` when invalid. */
export function readOptionalLevel(value: JsonValue | undefined, roomVersion: RoomVersion, where: string): number | undefined {
  if (value === undefined) return undefined;
  const reading = readPowerLevelValue(value, roomVersion);
  if (!reading.ok) throw new InvalidPowerLevelsError(`power levels: ${where} ${reading.problem}`);
  return reading.level;
}

/** The levels of a room at some state: from its `m.room.power_levels` content, or the defaults when it has none. */
export class PowerLevels {
  private constructor(
    /** The content of the power-levels event, or null when the room has none. */
    private readonly content: JsonObject | null,
    readonly roomVersion: RoomVersion,
    /** Who gets CREATOR_DEFAULT_LEVEL when there is no power-levels event. */
    private readonly creator: string | null,
  ) {}

  /** From the state's power-levels and create events (either may be missing). */
  static fromState(
    powerLevelsEvent: RoomEvent | null | undefined,
    createEvent: RoomEvent | null | undefined,
    roomVersion: RoomVersion,
  ): PowerLevels {
    if (powerLevelsEvent) return new PowerLevels(powerLevelsEvent.content, roomVersion, null);
    return new PowerLevels(null, roomVersion, roomCreator(createEvent));
  }

  /** From an explicit content (e.g. a power-levels event being checked, or one about to be sent). */
  static fromContent(content: JsonObject, roomVersion: RoomVersion): PowerLevels {
    return new PowerLevels(content, roomVersion, null);
  }

  /** Defaults only: the room has no power-levels event. */
  static defaults(roomVersion: RoomVersion, creator: string | null): PowerLevels {
    return new PowerLevels(null, roomVersion, creator);
  }

  get hasPowerLevelsEvent(): boolean {
    return this.content !== null;
  }

  /** A top-level level, or its default when absent. */
  named(name: NamedLevel): number {
    if (this.content === null) return DEFAULT_LEVELS[name];
    return readOptionalLevel(this.content[name], this.roomVersion, `"${name}"`) ?? DEFAULT_LEVELS[name];
  }

  get usersDefault(): number {
    return this.named('users_default');
  }
  get eventsDefault(): number {
    return this.named('events_default');
  }
  get stateDefault(): number {
    return this.named('state_default');
  }
  get ban(): number {
    return this.named('ban');
  }
  get kick(): number {
    return this.named('kick');
  }
  get redact(): number {
    return this.named('redact');
  }
  get invite(): number {
    return this.named('invite');
  }

  /** The level of `userId`: its `users` entry, else `users_default`; without a power-levels event, 100 for the creator. */
  userLevel(userId: string): number {
    if (this.content === null) return userId === this.creator ? CREATOR_DEFAULT_LEVEL : DEFAULT_LEVELS.users_default;
    const users = this.content.users;
    if (users !== undefined) {
      if (!isObject(users)) throw new InvalidPowerLevelsError(`power levels: "users" is ${describeJsonType(users)}, not an object`);
      if (Object.hasOwn(users, userId)) {
        return readOptionalLevel(users[userId], this.roomVersion, `users[${JSON.stringify(userId)}]`)!;
      }
    }
    return this.usersDefault;
  }

  /** The `events` entry for `eventType`, or undefined when there is none. */
  eventLevel(eventType: string): number | undefined {
    if (this.content === null) return undefined;
    return this.mapEntry('events', eventType);
  }

  /**
   * The level needed to send an event of `eventType`: its `events` entry, else `state_default` for state events
   * and `events_default` for message events.
   */
  requiredLevel(eventType: string, isState: boolean): number {
    return this.eventLevel(eventType) ?? (isState ? this.stateDefault : this.eventsDefault);
  }

  /**
   * The level needed to trigger notification `key` (e.g. "room" for @room): its `notifications` entry, 50 for
   * "room" when absent, and undefined for other absent keys (the spec gives them no default).
   */
  notificationLevel(key = 'room'): number | undefined {
    const level = this.content === null ? undefined : this.mapEntry('notifications', key);
    return level ?? (key === 'room' ? DEFAULT_ROOM_NOTIFICATION_LEVEL : undefined);
  }

  private mapEntry(property: 'events' | 'notifications', key: string): number | undefined {
    const map = this.content?.[property];
    if (map === undefined) return undefined;
    if (!isObject(map)) throw new InvalidPowerLevelsError(`power levels: "${property}" is ${describeJsonType(map)}, not an object`);
    if (!Object.hasOwn(map, key)) return undefined;
    return readOptionalLevel(map[key], this.roomVersion, `${property}[${JSON.stringify(key)}]`);
  }
}
