/**
 * `GET /room_summary/{roomIdOrAlias}` (spec v1.15, MSC3266): a room's summary for someone deciding whether to
 * join it, when they may see it (RoomPreviewPolicy; anonymous requests for open or world-readable rooms too),
 * with their membership. Unknown rooms and rooms they may not see are the same 404, so the answer does not
 * reveal that a private room exists. Rooms this server does not hold are not fetched over federation (as for
 * the space hierarchy), so `via` is accepted but not needed.
 */
import { isValidServerName } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { allowedRoomIds } from './restrictedJoinAuthoriser.ts';
import { RoomPreviewPolicy } from './roomPreviewPolicy.ts';
import { RoomStateReader } from './roomStateReader.ts';
import { RoomSummaryReader, type RoomSummary } from './roomSummaryReader.ts';

/** The only algorithm the response schema admits for `encryption`. */
const MEGOLM = 'm.megolm.v1.aes-sha2';

export interface RoomSummaryResponse extends RoomSummary {
  room_version?: string;
  encryption?: string;
  allowed_room_ids?: string[];
  /** The requester's membership (`leave` when they have none); absent for anonymous requests. */
  membership?: string;
}

/** Resolves a room ID or alias (ours, or another server's) to a room ID. */
export type RoomResolver = (roomIdOrAlias: string) => Promise<{ roomId: string }>;

export class RoomSummaryHandler {
  private readonly summaries: RoomSummaryReader;
  private readonly preview: RoomPreviewPolicy;
  private readonly state: RoomStateReader;

  constructor(
    private readonly stores: DataStores,
    private readonly resolveRoom: RoomResolver,
  ) {
    this.summaries = new RoomSummaryReader(stores);
    this.preview = new RoomPreviewPolicy(stores);
    this.state = new RoomStateReader(stores);
  }

  async summary(requester: Requester | null, roomIdOrAlias: string, via: readonly string[]): Promise<RoomSummaryResponse> {
    const badServer = via.find((server) => !isValidServerName(server));
    if (badServer !== undefined) throw MatrixError.invalidParam(`via: ${JSON.stringify(badServer)} is not a server name`);
    const { roomId } = await this.resolveRoom(roomIdOrAlias);
    const userId = requester?.userId ?? null;
    const described = (await this.preview.mayPreview(userId, roomId)) ? await this.summaries.describe(roomId) : null;
    if (!described) throw MatrixError.notFound('Room not found or is not accessible');
    const response: RoomSummaryResponse = { ...described.summary };
    const versionId = await this.stores.events.getRoomVersionId(roomId);
    if (versionId !== null) response.room_version = versionId;
    const content = (type: string) => described.state.find((e) => e.event.type === type && e.event.stateKey === '')?.event.content;
    if (content('m.room.encryption')?.algorithm === MEGOLM) response.encryption = MEGOLM;
    const joinRules = content('m.room.join_rules');
    if (joinRules?.join_rule === 'restricted' || joinRules?.join_rule === 'knock_restricted') {
      const allowed = allowedRoomIds(joinRules.allow);
      if (allowed.length > 0) response.allowed_room_ids = allowed;
    }
    if (userId !== null) response.membership = (await this.state.membership(roomId, userId))?.membership ?? 'leave';
    return response;
  }
}
