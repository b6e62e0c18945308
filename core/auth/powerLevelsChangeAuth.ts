/**
 * The auth rule for `m.room.power_levels` events (rule 10 in v1/v2, rule 9 from v3): the new content must be well
 * formed, and a sender may only touch levels up to their own (and users' entries strictly below their own, apart
 * from their own entry).
 *
 * Before v10 the rules only validate `users` up front; other values are compared numerically against the previous
 * event, so an unreadable value there is rejected when a previous event exists (there is nothing to compare without
 * one, and the spec then allows the event).
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import type { RoomVersion } from '../events/roomVersions.ts';
import { isAcceptableUserId } from '../events/identifiers.ts';
import { AuthError } from './authError.ts';
import { describeJsonType, isObject } from './jsonShape.ts';
import { NAMED_LEVELS, readOptionalLevel, readPowerLevelValue } from './powerLevels.ts';

/**
 * Throws AuthError unless `sender` (whose current level is `senderLevel`) may replace `previous` (the current
 * power-levels event, if any) with `event`.
 */
export function checkPowerLevelsChange(event: RoomEvent, previous: RoomEvent | undefined, senderLevel: number): void {
  const version = event.roomVersion;
  const content = event.content;

  if (version.integerPowerLevels) {
    // v10 rules 9.1 and 9.2: every level present must be an integer.
    for (const name of NAMED_LEVELS) {
      if (content[name] !== undefined) requireLevel(content[name], version, `"${name}"`);
    }
    for (const property of ['events', 'notifications'] as const) {
      const map = content[property];
      if (map === undefined) continue;
      if (!isObject(map)) throw new AuthError(`power levels: "${property}" is ${describeJsonType(map)}, not an object`);
      for (const [key, value] of Object.entries(map)) requireLevel(value, version, `${property}[${JSON.stringify(key)}]`);
    }
  }

  // `users` must map valid user IDs to levels (strings allowed before v10, floats before v6).
  const users = content.users;
  if (users !== undefined) {
    if (!isObject(users)) throw new AuthError(`power levels: "users" is ${describeJsonType(users)}, not an object`);
    for (const [userId, value] of Object.entries(users)) {
      if (!isAcceptableUserId(userId)) throw new AuthError(`power levels: "users" key ${JSON.stringify(userId)} is not a valid user ID`);
      requireLevel(value, version, `users[${JSON.stringify(userId)}]`);
    }
  }

  if (!previous) return; // No previous power levels: anything well formed is allowed.
  const old = previous.content;
  const tooHigh = (what: string, level: number) =>
    new AuthError(`power levels: ${what} (${level}) is above the sender's power level (${senderLevel})`);

  for (const name of NAMED_LEVELS) {
    const before = readOptionalLevel(old[name], version, `current "${name}"`);
    const after = readOptionalLevel(content[name], version, `"${name}"`);
    if (before === after) continue;
    if (before !== undefined && before > senderLevel) throw tooHigh(`the current "${name}"`, before);
    if (after !== undefined && after > senderLevel) throw tooHigh(`the new "${name}"`, after);
  }

  const maps: ('events' | 'notifications')[] = version.limitNotificationsPowerLevels ? ['events', 'notifications'] : ['events'];
  for (const property of maps) {
    const before = levelMap(old[property], version, `current "${property}"`);
    const after = levelMap(content[property], version, `"${property}"`);
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const was = before.get(key);
      const now = after.get(key);
      if (was === now) continue;
      if (was !== undefined && was > senderLevel) throw tooHigh(`the current ${property}[${JSON.stringify(key)}]`, was);
      if (now !== undefined && now > senderLevel) throw tooHigh(`the new ${property}[${JSON.stringify(key)}]`, now);
    }
  }

  const usersBefore = levelMap(old.users, version, 'current "users"');
  const usersAfter = levelMap(content.users, version, '"users"');
  for (const userId of new Set([...usersBefore.keys(), ...usersAfter.keys()])) {
    const was = usersBefore.get(userId);
    const now = usersAfter.get(userId);
    if (was === now) continue;
    // Others at or above the sender's level are out of reach; the sender may lower their own entry.
    if (was !== undefined && userId !== event.sender && was >= senderLevel) {
      throw new AuthError(
        `power levels: cannot change the level of ${userId} (${was}), which is not below the sender's power level (${senderLevel})`,
      );
    }
    if (now !== undefined && now > senderLevel) throw tooHigh(`the new level of ${userId}`, now);
  }
}

function requireLevel(value: JsonValue, version: RoomVersion, where: string): number {
  const reading = readPowerLevelValue(value, version);
  if (!reading.ok) throw new AuthError(`power levels: ${where} ${reading.problem}`);
  return reading.level;
}

/** An `events` / `notifications` / `users` object read as key → level; absent is empty. */
function levelMap(value: JsonValue | undefined, version: RoomVersion, where: string): Map<string, number> {
  const map = new Map<string, number>();
  if (value === undefined) return map;
  if (!isObject(value)) throw new AuthError(`power levels: ${where} is ${describeJsonType(value)}, not an object`);
  for (const [key, entry] of Object.entries(value as JsonObject)) {
    map.set(key, requireLevel(entry, version, `${where}[${JSON.stringify(key)}]`));
  }
  return map;
}
