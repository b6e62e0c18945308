/**
 * Room aliases and the local room directory: create, resolve and delete `#alias:ourserver`, list a room's
 * aliases, publish rooms, and `publicRooms` with a search term and `since`-paging.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { domainOf, isValidRoomAlias, isValidRoomId } from '../../events/identifiers.ts';
import { getRoomVersion } from '../../events/roomVersions.ts';
import { PowerLevels } from '../../auth/powerLevels.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomAccessChecker } from './roomAccess.ts';
import { RoomStateReader } from './roomStateReader.ts';
import { RoomSummaryReader, type RoomSummary } from './roomSummaryReader.ts';

export interface PublicRoomsResponse {
  chunk: RoomSummary[];
  total_room_count_estimate: number;
  next_batch?: string;
  prev_batch?: string;
}

export class RoomDirectoryHandler {
  private readonly state: RoomStateReader;
  private readonly access: RoomAccessChecker;
  private readonly summaries: RoomSummaryReader;

  constructor(private readonly stores: DataStores) {
    this.state = new RoomStateReader(stores);
    this.access = new RoomAccessChecker(stores);
    this.summaries = new RoomSummaryReader(stores);
  }

  private assertLocalAlias(alias: string): void {
    if (!isValidRoomAlias(alias)) throw MatrixError.invalidParam(`${alias} is not a valid room alias`);
    if (domainOf(alias) !== this.stores.serverName) throw MatrixError.invalidParam('Room alias must be on this server');
  }

  async createAlias(requester: Requester, alias: string, roomId: unknown): Promise<void> {
    this.assertLocalAlias(alias);
    if (typeof roomId !== 'string') throw MatrixError.missingParam('Missing room_id');
    if (!isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a room ID`);
    if ((await this.stores.events.getRoomVersionId(roomId)) === null) throw MatrixError.notFound(`Room ${roomId} not found`);
    const membership = await this.state.membership(roomId, requester.userId);
    if (membership?.membership !== 'join' && !requester.isAdmin) throw MatrixError.forbidden('You must be in the room to give it an alias');
    if (!this.stores.aliases.createAlias(alias, roomId, requester.userId, Date.now())) {
      throw new MatrixError(409, 'M_UNKNOWN', `Room alias ${alias} already exists`);
    }
  }

  resolveAlias(alias: string): { room_id: string; servers: string[] } {
    if (!isValidRoomAlias(alias)) throw MatrixError.invalidParam(`${alias} is not a valid room alias`);
    const record = this.stores.aliases.getAlias(alias);
    if (!record) throw MatrixError.notFound(`Room alias ${alias} not found`);
    return { room_id: record.roomId, servers: [this.stores.serverName] };
  }

  /** The alias's creator, a server admin, or a room member allowed to set the canonical alias may delete it. */
  async deleteAlias(requester: Requester, alias: string): Promise<void> {
    this.assertLocalAlias(alias);
    const record = this.stores.aliases.getAlias(alias);
    if (!record) throw MatrixError.notFound(`Room alias ${alias} not found`);
    if (record.creator !== requester.userId && !requester.isAdmin && !(await this.mayEditCanonicalAlias(requester.userId, record.roomId))) {
      throw MatrixError.forbidden('You may not delete this alias');
    }
    this.stores.aliases.deleteAlias(alias);
  }

  async roomAliases(requester: Requester, roomId: string): Promise<string[]> {
    await this.access.check(requester.userId, roomId);
    return this.stores.aliases.aliasesForRoom(roomId);
  }

  getVisibility(roomId: string): 'public' | 'private' {
    const room = this.stores.rooms.getRoom(roomId);
    if (!room) throw MatrixError.notFound(`Room ${roomId} not found`);
    return room.isPublic ? 'public' : 'private';
  }

  async setVisibility(requester: Requester, roomId: string, visibility: unknown): Promise<void> {
    if (visibility !== 'public' && visibility !== 'private') throw MatrixError.badJson('visibility must be "public" or "private"');
    if (!this.stores.rooms.getRoom(roomId)) throw MatrixError.notFound(`Room ${roomId} not found`);
    if (!requester.isAdmin && !(await this.mayEditCanonicalAlias(requester.userId, roomId))) {
      throw MatrixError.forbidden('You need to be allowed to change the room settings to publish it');
    }
    this.stores.rooms.setPublic(roomId, visibility === 'public');
  }

  async publicRooms(options: { limit: number | null; since: string | null; searchTerm: string | null }): Promise<PublicRoomsResponse> {
    const entries: RoomSummary[] = [];
    for (const roomId of this.stores.rooms.publicRoomIds()) {
      const described = await this.summaries.describe(roomId);
      if (described) entries.push(described.summary);
    }
    const term = options.searchTerm?.toLowerCase() ?? null;
    const matching = term
      ? entries.filter((e) => [e.name, e.topic, e.canonical_alias, e.room_id].some((v) => v?.toLowerCase().includes(term)))
      : entries;
    matching.sort((a, b) => b.num_joined_members - a.num_joined_members || a.room_id.localeCompare(b.room_id));
    let offset = 0;
    if (options.since !== null) {
      const match = /^o(\d+)$/.exec(options.since);
      if (!match) throw MatrixError.invalidParam('Invalid since token');
      offset = Number(match[1]);
    }
    const limit = options.limit ?? matching.length;
    const chunk = matching.slice(offset, offset + limit);
    const response: PublicRoomsResponse = { chunk, total_room_count_estimate: matching.length };
    if (offset + limit < matching.length) response.next_batch = `o${offset + limit}`;
    if (offset > 0) response.prev_batch = `o${Math.max(0, offset - limit)}`;
    return response;
  }

  private async mayEditCanonicalAlias(userId: string, roomId: string): Promise<boolean> {
    const version = await this.stores.events.getRoomVersionId(roomId);
    if (version === null) return false;
    if ((await this.state.membership(roomId, userId))?.membership !== 'join') return false;
    const create = await this.state.currentStateEvent(roomId, 'm.room.create', '');
    const power = await this.state.currentStateEvent(roomId, 'm.room.power_levels', '');
    const levels = PowerLevels.fromState(power?.event, create?.event, getRoomVersion(version));
    return levels.userLevel(userId) >= levels.requiredLevel('m.room.canonical_alias', true);
  }
}
