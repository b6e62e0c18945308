/**
 * Read receipts from local users ("Receipts" module): `m.read` (seen by the room) and `m.read.private` (seen
 * only by its sender), unthreaded or for a thread (`thread_id`: a thread root's event ID or `main`). Only joined
 * members may send receipts, for events of that room. A receipt that would move backwards is accepted and
 * ignored. Each stored receipt advances the `receipts` stream and wakes the /sync of whoever may see it.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { Notifier } from '../../replication/notifier.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { JsonObject } from '../../crypto/canonicalJson.ts';

export const RECEIPTS_STREAM = 'receipts';

export const PUBLIC_READ_RECEIPT = 'm.read';
export const PRIVATE_READ_RECEIPT = 'm.read.private';
/** The receipt types a client may send through the receipt endpoint besides `m.fully_read`. */
export const READ_RECEIPT_TYPES: readonly string[] = [PUBLIC_READ_RECEIPT, PRIVATE_READ_RECEIPT];

/** A public receipt of a local user, as other servers in the room must hear of it. */
export interface LocalReceipt {
  readonly roomId: string;
  readonly receiptType: string;
  readonly userId: string;
  readonly eventId: string;
  readonly data: JsonObject;
}

export class ReceiptsHandler {
  private readonly localListeners = new Set<(receipt: LocalReceipt) => void>();

  constructor(
    private readonly stores: DataStores,
    private readonly notifier: Notifier,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores a read receipt; 403 when not joined, 404 for an event that is not in the room. */
  async sendReceipt(requester: Requester, roomId: string, receiptType: string, eventId: string, threadId: string | null): Promise<void> {
    if (!READ_RECEIPT_TYPES.includes(receiptType)) throw MatrixError.invalidParam(`Unknown receipt type ${receiptType}`);
    if (threadId !== null && threadId === '') throw MatrixError.invalidParam('thread_id must be a non-empty string');
    await this.requireJoined(requester.userId, roomId);
    await this.requireEventInRoom(eventId, roomId);
    const data: JsonObject = threadId === null ? { ts: this.now() } : { ts: this.now(), thread_id: threadId };
    const position = this.stores.receipts.upsert({ roomId, receiptType, userId: requester.userId, eventId, threadId, data });
    if (position === null) return;
    if (receiptType === PRIVATE_READ_RECEIPT) this.notifier.notifyUsers(RECEIPTS_STREAM, position, [requester.userId]);
    else {
      this.notifier.notifyRoom(RECEIPTS_STREAM, position, roomId);
      for (const listener of this.localListeners) listener({ roomId, receiptType, userId: requester.userId, eventId, data });
    }
  }

  onLocalReceipt(listener: (receipt: LocalReceipt) => void): () => void {
    this.localListeners.add(listener);
    return () => this.localListeners.delete(listener);
  }

  /** A public receipt from another server (already checked: the user is theirs and joined to the room). */
  receiveRemote(roomId: string, receiptType: string, userId: string, eventId: string, data: JsonObject): void {
    if (receiptType !== PUBLIC_READ_RECEIPT) return;
    const threadId = typeof data.thread_id === 'string' ? data.thread_id : null;
    const position = this.stores.receipts.upsert({ roomId, receiptType, userId, eventId, threadId, data });
    if (position !== null) this.notifier.notifyRoom(RECEIPTS_STREAM, position, roomId);
  }

  /** 403 M_FORBIDDEN unless the user is joined to the room (also for unknown rooms, as Synapse answers). */
  async requireJoined(userId: string, roomId: string): Promise<void> {
    const rooms = await this.stores.members.getRoomsForUser(userId);
    if (!rooms.includes(roomId)) throw MatrixError.forbidden(`User ${userId} is not in room ${roomId}`);
  }

  /** The event's stream position; 404 M_NOT_FOUND unless it is a timeline event of that room. */
  async requireEventInRoom(eventId: string, roomId: string): Promise<number> {
    const stored = await this.stores.events.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId || stored.outlier) throw MatrixError.notFound(`Event ${eventId} not found in room ${roomId}`);
    return stored.streamOrdering;
  }
}
