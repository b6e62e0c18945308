/**
 * `/rooms/{roomId}/report`, `/rooms/{roomId}/report/{eventId}` and `/users/{userId}/report`: a user reports a
 * room, an event or another user to the server's administrator. Reports are stored (the desktop app's admin API can list them). An event can only be
 * reported by someone who can see it; a room only when it is known here.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { VisibilityFilter } from '../events/visibilityFilter.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { RoomAccessChecker } from '../rooms/roomAccess.ts';

const MAX_REASON_LENGTH = 1_000;

export class ReportsHandler {
  private readonly access: RoomAccessChecker;

  constructor(
    private readonly stores: DataStores,
    private readonly visibility: VisibilityFilter,
    private readonly now: () => number = Date.now,
  ) {
    this.access = new RoomAccessChecker(stores);
  }

  async reportRoom(requester: Requester, roomId: string, body: JsonObject): Promise<void> {
    const reason = reasonOf(body);
    if ((await this.stores.events.getRoomVersionId(roomId)) === null) throw MatrixError.notFound('Room not found');
    this.stores.contentReports.add({ reporter: requester.userId, roomId, eventId: null, reason, score: null }, this.now());
  }

  /** A user is reportable when known here: a local account, or someone in a room this server holds. */
  async reportUser(requester: Requester, userId: string, body: JsonObject): Promise<void> {
    const reason = reasonOf(body);
    const known = this.stores.users.getUser(userId) !== null || this.stores.db.prepare('SELECT 1 FROM room_memberships WHERE user_id = ? LIMIT 1').get(userId) !== undefined;
    if (!known) throw MatrixError.notFound('User not found');
    this.stores.contentReports.add({ reporter: requester.userId, roomId: null, eventId: null, reportedUser: userId, reason, score: null }, this.now());
  }

  async reportEvent(requester: Requester, roomId: string, eventId: string, body: JsonObject): Promise<void> {
    const reason = reasonOf(body);
    const score = body.score;
    if (score !== undefined && score !== null && (typeof score !== 'number' || !Number.isInteger(score) || score < -100 || score > 0)) {
      throw MatrixError.badJson('score must be an integer from -100 to 0');
    }
    const notFound = MatrixError.notFound("Unable to report event: it does not exist or you aren't able to see it.");
    let access;
    try {
      access = await this.access.check(requester.userId, roomId);
    } catch {
      throw notFound;
    }
    const stored = await this.stores.events.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId || stored.outlier) throw notFound;
    if (access.kind === 'former' && stored.streamOrdering > access.membership.streamOrdering) throw notFound;
    const [visible] = await this.visibility.filterForUser(requester.userId, [stored], { isPeeking: access.kind === 'peeking' });
    if (!visible) throw notFound;
    this.stores.contentReports.add({ reporter: requester.userId, roomId, eventId, reason, score: typeof score === 'number' ? score : null }, this.now());
  }
}

function reasonOf(body: JsonObject): string | null {
  const reason = body.reason;
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== 'string') throw MatrixError.badJson('reason must be a string');
  if (reason.length > MAX_REASON_LENGTH) throw MatrixError.invalidParam(`reason is longer than ${MAX_REASON_LENGTH} characters`);
  return reason;
}
