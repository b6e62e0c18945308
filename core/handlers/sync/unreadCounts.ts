/**
 * Where /sync gets each joined room's `unread_notifications`: an injected source, so that push rules and
 * notification counts (core/handlers/push) can provide them. `ReceiptUnreadCounts` (receiptUnreadCounts.ts) is
 * the simple default used when none is given.
 */

export interface UnreadCounts {
  readonly notification_count: number;
  readonly highlight_count: number;
}

export interface UnreadCountsSource {
  /** The counts for one joined room of a local user, as of now. */
  getUnreadCounts(userId: string, roomId: string): Promise<UnreadCounts>;
}
