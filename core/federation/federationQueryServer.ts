/** Answers other servers' queries about our users and aliases: profiles, alias lookups, and the public room list. */
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import type { RoomDirectoryHandler, PublicRoomsResponse } from '../handlers/rooms/roomDirectoryHandler.ts';
import type { RoomDataServer } from './roomDataServer.ts';

export class FederationQueryServer {
  constructor(
    private readonly stores: DataStores,
    private readonly roomDirectory: RoomDirectoryHandler,
    private readonly roomData: RoomDataServer,
  ) {}

  /** The whole profile (extended fields included), or only `field` of it (nothing when that field is not set). */
  profile(userId: string, field: string | null): JsonObject {
    if (domainOf(userId) !== this.stores.serverName) throw MatrixError.invalidParam('That user is not on this server');
    const user = this.stores.users.getUser(userId);
    if (!user || user.deactivated) throw MatrixError.notFound('Profile was not found');
    const profile = this.stores.profiles.getFullProfile(userId);
    if (field === null) return profile;
    const value = profile[field];
    return value === undefined ? {} : { [field]: value };
  }

  async directory(alias: string): Promise<{ room_id: string; servers: string[] }> {
    if (domainOf(alias) !== this.stores.serverName) throw MatrixError.invalidParam('That alias is not on this server');
    const record = this.stores.aliases.getAlias(alias);
    if (!record) throw MatrixError.notFound(`Room alias ${alias} not found`);
    const hosts = await this.roomData.joinedHosts(record.roomId);
    // Our own name first: we can always help the caller join.
    const servers = [this.stores.serverName, ...hosts.filter((h) => h !== this.stores.serverName)];
    return { room_id: record.roomId, servers };
  }

  publicRooms(options: { limit: number | null; since: string | null; searchTerm: string | null }): Promise<PublicRoomsResponse> {
    return this.roomDirectory.publicRooms(options);
  }
}
