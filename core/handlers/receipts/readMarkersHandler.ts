/**
 * Read markers (`POST /rooms/{roomId}/read_markers`, and `m.fully_read` through the receipt endpoint): the fully
 * read marker is the user's `m.fully_read` room account data, which only the server writes and which only moves
 * forward; `m.read` / `m.read.private` in the same request are receipts, exactly as the receipt endpoint takes them.
 */
import type { AccountDataHandler } from '../accountData/accountDataHandler.ts';
import type { Requester } from '../requester.ts';
import { PRIVATE_READ_RECEIPT, PUBLIC_READ_RECEIPT, type ReceiptsHandler } from './receiptsHandler.ts';

export const FULLY_READ = 'm.fully_read';

export interface ReadMarkers {
  readonly fullyRead?: string | null;
  readonly read?: string | null;
  readonly readPrivate?: string | null;
}

export class ReadMarkersHandler {
  constructor(
    private readonly receipts: ReceiptsHandler,
    private readonly accountData: AccountDataHandler,
  ) {}

  async setReadMarkers(requester: Requester, roomId: string, markers: ReadMarkers): Promise<void> {
    await this.receipts.requireJoined(requester.userId, roomId);
    if (markers.fullyRead) await this.setFullyRead(requester, roomId, markers.fullyRead);
    if (markers.read) await this.receipts.sendReceipt(requester, roomId, PUBLIC_READ_RECEIPT, markers.read, null);
    if (markers.readPrivate) await this.receipts.sendReceipt(requester, roomId, PRIVATE_READ_RECEIPT, markers.readPrivate, null);
  }

  private async setFullyRead(requester: Requester, roomId: string, eventId: string): Promise<void> {
    const position = await this.receipts.requireEventInRoom(eventId, roomId);
    const current = this.accountData.get(requester.userId, roomId, FULLY_READ)?.event_id;
    if (typeof current === 'string') {
      if (current === eventId) return;
      const stored = await this.positionOf(current, roomId);
      if (stored !== null && stored >= position) return;
    }
    this.accountData.setServerManaged(requester.userId, roomId, FULLY_READ, { event_id: eventId });
  }

  /** The stream position of the current marker's event, or null when it is gone (then any new marker wins). */
  private async positionOf(eventId: string, roomId: string): Promise<number | null> {
    try {
      return await this.receipts.requireEventInRoom(eventId, roomId);
    } catch {
      return null;
    }
  }
}
