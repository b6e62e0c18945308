/**
 * Fetching older history of a room from other servers (/backfill) when a client pages back past what this server
 * holds: for rooms joined over federation, history before the join lives elsewhere.
 */
import { getRoomVersion } from '../events/roomVersions.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { Logger } from '../logging/logger.ts';
import type { FederationHttpClient } from './federationHttpClient.ts';
import type { FederationEventHandler } from './federationEventHandler.ts';
import type { RoomDataServer } from './roomDataServer.ts';

/** At most this many backward extremities are named per request. */
const MAX_EXTREMITIES_PER_REQUEST = 5;

export class Backfiller {
  constructor(
    private readonly stores: DataStores,
    private readonly client: FederationHttpClient,
    private readonly receiver: FederationEventHandler,
    private readonly roomData: RoomDataServer,
    private readonly log: Logger,
  ) {}

  /** Events named as prev events in the room that we do not hold in the DAG: where our history ends. */
  backwardExtremities(roomId: string): string[] {
    return this.stores.db
      .prepare(
        `SELECT DISTINCT w.prev_event_id FROM event_prev_waiting w
         JOIN events child ON child.stream_ordering = w.stream_ordering
         LEFT JOIN events prev ON prev.event_id = w.prev_event_id
         WHERE child.room_id = ? AND (prev.event_id IS NULL OR prev.outlier = 1)
         ORDER BY child.depth ASC LIMIT ?`,
      )
      .pluck()
      .all(roomId, MAX_EXTREMITIES_PER_REQUEST) as string[];
  }

  /** Asks the servers in the room for up to `limit` earlier events; returns how many new events were stored. */
  async backfill(roomId: string, limit: number): Promise<number> {
    const extremities = this.backwardExtremities(roomId);
    if (extremities.length === 0) return 0;
    const versionId = await this.stores.events.getRoomVersionId(roomId);
    if (versionId === null) return 0;
    const servers = (await this.roomData.joinedHosts(roomId)).filter((h) => h !== this.stores.serverName);
    for (const server of servers) {
      try {
        const answer = await this.client.request<{ pdus?: unknown }>(server, {
          method: 'GET',
          path: `/_matrix/federation/v1/backfill/${encodeURIComponent(roomId)}`,
          query: { v: extremities, limit: String(limit) },
        });
        const pdus = Array.isArray(answer?.pdus) ? answer.pdus : [];
        const stored = await this.receiver.receiveBackfilled(server, getRoomVersion(versionId), pdus.filter((p) => (p as { room_id?: unknown })?.room_id === roomId));
        if (stored > 0) return stored;
      } catch (e) {
        this.log.info(`backfill of ${roomId} from ${server} failed: ${(e as Error).message}`);
      }
    }
    return 0;
  }
}
