/**
 * `GET /notifications`: the events a user was notified about, newest first, from the recorded push actions.
 * `from` is the stream ordering to continue below (the previous page's `next_token`); `next_token` is present only
 * when there are more. `read` says whether the user's read position in the room has reached the event.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventSerializer } from '../events/eventSerializer.ts';
import type { ClientEvent } from '../events/clientEvent.ts';
import type { Requester } from '../requester.ts';
import { MatrixError } from '../matrixError.ts';
import type { PushAction } from './pushRule.ts';
import type { PushActionsProgress } from './notificationCounts.ts';

export const DEFAULT_NOTIFICATIONS_LIMIT = 50;
export const MAX_NOTIFICATIONS_LIMIT = 1_000;

export interface NotificationsRequest {
  readonly from: string | null;
  readonly limit: number | null;
  /** `highlight` lists only highlighted notifications; other values are ignored. */
  readonly only: string | null;
}

export interface Notification {
  readonly actions: PushAction[];
  readonly event: ClientEvent;
  readonly read: boolean;
  readonly room_id: string;
  readonly ts: number;
}

export interface NotificationsPage {
  readonly notifications: Notification[];
  readonly next_token?: string;
}

export class NotificationsHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly serializer: EventSerializer,
    private readonly progress: PushActionsProgress | null,
  ) {}

  async list(requester: Requester, request: NotificationsRequest): Promise<NotificationsPage> {
    const before = parseFrom(request.from);
    const limit = Math.min(request.limit ?? DEFAULT_NOTIFICATIONS_LIMIT, MAX_NOTIFICATIONS_LIMIT);
    if (limit <= 0) return { notifications: [] };
    await this.progress?.flush();
    const rows = this.stores.pushActions.getNotifications(requester.userId, { before, limit: limit + 1, onlyHighlight: request.only === 'highlight' });
    const page = rows.slice(0, limit);
    const stored = await this.stores.events.getEvents(page.map((r) => r.eventId));
    const notifications: Notification[] = [];
    for (const row of page) {
      const entry = stored.get(row.eventId);
      if (!entry) continue;
      const event = await this.serializer.serializeOne(entry, { requester, omitRoomId: true });
      if (!event) continue;
      notifications.push({ actions: row.actions as (string | JsonObject)[], event, read: row.read, room_id: row.roomId, ts: row.receivedTs });
    }
    return rows.length > limit ? { notifications, next_token: String(page.at(-1)!.streamOrdering) } : { notifications };
  }
}

function parseFrom(from: string | null): number | null {
  if (from === null || from === '') return null;
  if (!/^-?\d+$/.test(from) || !Number.isSafeInteger(Number(from))) throw MatrixError.invalidParam('Invalid from token');
  return Number(from);
}
