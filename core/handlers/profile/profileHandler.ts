/**
 * Profiles: display name, avatar and the extended fields of spec v1.16 (`m.tz` and custom keys following the
 * Common Namespaced Identifier Grammar, any JSON value), changed only by their owner. Display name and avatar
 * changes (deletions included) are reflected into the user's member event in every room they are joined to (as
 * Synapse does), so other members see them; extended fields are not.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { domainOf, isAcceptableUserId } from '../../events/identifiers.ts';
import type { EventCreationHandler } from '../events/eventCreationHandler.ts';
import type { Logger } from '../../logging/logger.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { assertNotSuspended } from '../accounts/accountSuspension.ts';

export const MAX_DISPLAYNAME_LENGTH = 256;
export const MAX_AVATAR_URL_LENGTH = 1000;
/** The spec's limits: a key of at most 255 bytes, a whole profile under 64 KiB (measured as compact JSON). */
export const MAX_PROFILE_KEY_BYTES = 255;
export const MAX_PROFILE_BYTES = 64 * 1024;

/** A whole profile: `displayname` and `avatar_url` when set, and any extended fields. */
export type ProfileResponse = JsonObject;

/** Profiles of users on other servers (federation's query/profile). */
export interface RemoteProfiles {
  getProfile(userId: string): Promise<ProfileResponse>;
}

export class ProfileHandler {
  private remote: RemoteProfiles | null = null;

  constructor(
    private readonly stores: DataStores,
    private readonly events: EventCreationHandler,
    private readonly log: Logger,
  ) {}

  setRemote(remote: RemoteProfiles): void {
    this.remote = remote;
  }

  async getProfile(userId: string): Promise<ProfileResponse> {
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    if (domainOf(userId) !== this.stores.serverName) {
      if (!this.remote) throw MatrixError.notFound('Profile was not found');
      return this.remote.getProfile(userId);
    }
    const user = this.stores.users.getUser(userId);
    if (!user || user.deactivated) throw MatrixError.notFound('Profile was not found');
    return this.stores.profiles.getFullProfile(userId);
  }

  /** `GET /profile/{userId}/{keyName}`: `{keyName: value}`, or 404 when the field is not set. */
  async getField(userId: string, key: string): Promise<JsonObject> {
    checkKey(key);
    const value = (await this.getProfile(userId))[key];
    if (value === undefined) throw MatrixError.notFound(`The user has no ${key}`);
    return { [key]: value };
  }

  /** `PUT /profile/{userId}/{keyName}` with the body `{keyName: value}`. */
  async setField(requester: Requester, userId: string, key: string, body: JsonObject): Promise<void> {
    checkKey(key);
    this.assertOwn(requester, userId);
    assertNotSuspended(requester);
    if (!(key in body)) throw MatrixError.missingParam(`Missing ${key}`);
    const value = body[key]!;
    if (key === 'displayname') return this.setDisplayName(userId, value);
    if (key === 'avatar_url') return this.setAvatarUrl(userId, value);
    // Like Synapse: storing null would be allowed, but clients must not come to rely on it (DELETE removes).
    if (value === null) throw MatrixError.invalidParam(`${key} cannot be null; delete the field instead`);
    if (key === 'm.tz') checkTimeZone(value);
    this.assertFits(userId, key, value);
    this.stores.profiles.setField(userId, key, value);
  }

  /** `DELETE /profile/{userId}/{keyName}`: succeeds whether or not the field was set. */
  async deleteField(requester: Requester, userId: string, key: string): Promise<void> {
    checkKey(key);
    this.assertOwn(requester, userId);
    assertNotSuspended(requester);
    if (key === 'displayname') return this.setDisplayName(userId, null);
    if (key === 'avatar_url') return this.setAvatarUrl(userId, null);
    this.stores.profiles.deleteField(userId, key);
  }

  private async setDisplayName(userId: string, displayName: JsonValue): Promise<void> {
    if (displayName !== null && typeof displayName !== 'string') throw MatrixError.badJson('displayname must be a string');
    if (typeof displayName === 'string' && displayName.length > MAX_DISPLAYNAME_LENGTH) {
      throw MatrixError.badJson(`displayname is too long (at most ${MAX_DISPLAYNAME_LENGTH} characters)`);
    }
    const stored = displayName === '' ? null : displayName;
    if (stored !== null) this.assertFits(userId, 'displayname', stored);
    this.stores.profiles.setDisplayName(userId, stored);
    await this.updateMemberEvents(userId);
  }

  private async setAvatarUrl(userId: string, avatarUrl: JsonValue): Promise<void> {
    if (avatarUrl !== null && typeof avatarUrl !== 'string') throw MatrixError.badJson('avatar_url must be a string');
    if (typeof avatarUrl === 'string' && avatarUrl !== '' && (!avatarUrl.startsWith('mxc://') || avatarUrl.length > MAX_AVATAR_URL_LENGTH)) {
      throw MatrixError.badJson('avatar_url must be an mxc:// URI');
    }
    const stored = avatarUrl === '' ? null : avatarUrl;
    if (stored !== null) this.assertFits(userId, 'avatar_url', stored);
    this.stores.profiles.setAvatarUrl(userId, stored);
    await this.updateMemberEvents(userId);
  }

  private assertOwn(requester: Requester, userId: string): void {
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot change another user's profile");
  }

  /** 400 M_PROFILE_TOO_LARGE when the profile with `key` set to `value` would reach 64 KiB. */
  private assertFits(userId: string, key: string, value: JsonValue): void {
    const profile = { ...this.stores.profiles.getFullProfile(userId), [key]: value };
    if (Buffer.byteLength(JSON.stringify(profile)) >= MAX_PROFILE_BYTES) {
      throw new MatrixError(400, 'M_PROFILE_TOO_LARGE', `The profile would exceed its limit of ${MAX_PROFILE_BYTES} bytes`);
    }
  }

  /** Sends an updated join event to every room the user is in; a failure in one room does not stop the rest. */
  private async updateMemberEvents(userId: string): Promise<void> {
    const profile = this.stores.profiles.getProfile(userId);
    for (const roomId of await this.stores.members.getRoomsForUser(userId)) {
      const content: Record<string, string> = { membership: 'join' };
      if (profile?.displayName) content.displayname = profile.displayName;
      if (profile?.avatarUrl) content.avatar_url = profile.avatarUrl;
      try {
        await this.events.send({ roomId, sender: userId, type: 'm.room.member', stateKey: userId, content });
      } catch (e) {
        this.log.warn(`could not update the member event of ${userId} in ${roomId}: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * A profile key: at most 255 bytes (else M_KEY_TOO_LARGE) and in the Common Namespaced Identifier Grammar,
 * which `displayname`, `avatar_url` and `m.tz` also follow (as Synapse checks it).
 */
function checkKey(key: string): void {
  if (Buffer.byteLength(key) > MAX_PROFILE_KEY_BYTES) throw new MatrixError(400, 'M_KEY_TOO_LARGE', `Profile keys are at most ${MAX_PROFILE_KEY_BYTES} bytes`);
  if (!/^[a-z][a-z0-9._-]*$/.test(key)) throw MatrixError.invalidParam(`${JSON.stringify(key)} is not a valid profile key (lower-case letters, digits, ".", "_" and "-")`);
}

/** `m.tz` must name a zone of the IANA time zone database (the spec lets servers check it; ICU knows them). */
function checkTimeZone(value: JsonValue): void {
  if (typeof value !== 'string') throw MatrixError.badJson('m.tz must be a string');
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    throw MatrixError.invalidParam(`${JSON.stringify(value)} is not an IANA time zone`);
  }
}
