/**
 * The default `UnreadCountsSource`: counts messages (m.room.message, m.room.encrypted, m.sticker) from others
 * after the user's furthest `m.read` / `m.read.private` receipt in the room, or after their latest membership
 * change when they have none; never highlights. Push rules replace it with real notification counts.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { UnreadCounts, UnreadCountsSource } from './unreadCounts.ts';

export class ReceiptUnreadCounts implements UnreadCountsSource {
  constructor(private readonly stores: DataStores) {}

  async getUnreadCounts(userId: string, roomId: string): Promise<UnreadCounts> {
    const readUpTo = this.stores.receipts.readUpToStreamOrdering(userId, roomId);
    const joinedAt = this.stores.members.getLocalMembership(userId, roomId)?.streamOrdering ?? 0;
    const after = Math.max(readUpTo ?? Number.MIN_SAFE_INTEGER, joinedAt);
    const count = this.stores.syncEvents.countMessagesFromOthers(roomId, userId, after, Number.MAX_SAFE_INTEGER);
    return { notification_count: count, highlight_count: 0 };
  }
}
