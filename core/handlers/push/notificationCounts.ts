/**
 * Unread notification and highlight counts per (user, room) for /sync's `unread_notifications`: recorded push
 * actions after the user's read position in the room (their latest `m.read` or `m.read.private` receipt, per
 * thread or unthreaded, or their own latest event). On the events writer it first waits for push actions of
 * events already committed to be recorded, so a new event and the count it causes appear in the same /sync.
 */
import type { EventPushActionsStore } from '../../storage/databases/main/eventPushActionsStore.ts';
import type { UnreadCountsSource } from '../sync/unreadCounts.ts';

/** Something that records push actions in the background and can say when it has caught up. */
export interface PushActionsProgress {
  flush(): Promise<void>;
}

export class NotificationCounts implements UnreadCountsSource {
  constructor(
    private readonly pushActions: EventPushActionsStore,
    /** The recorder on the events writer; null elsewhere (counts then follow the writer's recording). */
    private readonly progress: PushActionsProgress | null,
  ) {}

  async getUnreadCounts(userId: string, roomId: string): Promise<{ notification_count: number; highlight_count: number }> {
    await this.progress?.flush();
    const counts = this.pushActions.getUnreadCounts(userId, roomId);
    return { notification_count: counts.notificationCount, highlight_count: counts.highlightCount };
  }
}
