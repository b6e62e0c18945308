/**
 * Profiles: display name and avatar of local users, changed only by their owner, and reflected into their
 * member event in every room they are joined to (as Synapse does), so other members see the change.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { domainOf, isAcceptableUserId } from '../../events/identifiers.ts';
import type { EventCreationHandler } from '../events/eventCreationHandler.ts';
import type { Logger } from '../../logging/logger.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export const MAX_DISPLAYNAME_LENGTH = 256;
export const MAX_AVATAR_URL_LENGTH = 1000;

export interface ProfileResponse {
  displayname?: string;
  avatar_url?: string;
}

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
    const profile = this.stores.profiles.getProfile(userId);
    if (!user || user.deactivated) throw MatrixError.notFound('Profile was not found');
    const response: ProfileResponse = {};
    if (profile?.displayName) response.displayname = profile.displayName;
    if (profile?.avatarUrl) response.avatar_url = profile.avatarUrl;
    return response;
  }

  async setDisplayName(requester: Requester, userId: string, displayName: unknown): Promise<void> {
    this.assertOwn(requester, userId);
    if (displayName !== null && typeof displayName !== 'string') throw MatrixError.badJson('displayname must be a string');
    if (typeof displayName === 'string' && displayName.length > MAX_DISPLAYNAME_LENGTH) {
      throw MatrixError.badJson(`displayname is too long (at most ${MAX_DISPLAYNAME_LENGTH} characters)`);
    }
    this.stores.profiles.setDisplayName(userId, displayName === '' ? null : displayName);
    await this.updateMemberEvents(userId);
  }

  async setAvatarUrl(requester: Requester, userId: string, avatarUrl: unknown): Promise<void> {
    this.assertOwn(requester, userId);
    if (avatarUrl !== null && typeof avatarUrl !== 'string') throw MatrixError.badJson('avatar_url must be a string');
    if (typeof avatarUrl === 'string' && avatarUrl !== '' && (!avatarUrl.startsWith('mxc://') || avatarUrl.length > MAX_AVATAR_URL_LENGTH)) {
      throw MatrixError.badJson('avatar_url must be an mxc:// URI');
    }
    this.stores.profiles.setAvatarUrl(userId, avatarUrl === '' ? null : avatarUrl);
    await this.updateMemberEvents(userId);
  }

  private assertOwn(requester: Requester, userId: string): void {
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot change another user's profile");
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
