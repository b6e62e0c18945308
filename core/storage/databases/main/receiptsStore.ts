/**
 * Read receipts in `receipts_linearized`: one row per (room, receipt type, user, thread) holding the latest
 * receipt and the `receipts` stream position it was written at. Receipts only move forward: one for an event
 * earlier in the stream than the current one is ignored. `thread_id` is NULL for unthreaded receipts, and
 * SQLite's UNIQUE treats NULLs as distinct, so replacing a row deletes the old one explicitly.
 */
import type { Database } from '../../engine/database.ts';
import type { StreamIdAllocation, StreamIdGenerator } from '../../engine/streamIdGenerator.ts';
import type { JsonObject } from '../../../crypto/canonicalJson.ts';

export interface Receipt {
  readonly roomId: string;
  readonly receiptType: string;
  readonly userId: string;
  readonly eventId: string;
  /** Null for an unthreaded receipt. */
  readonly threadId: string | null;
  /** The receipt's content as clients see it (`ts`, and `thread_id` when threaded). */
  readonly data: JsonObject;
}

export interface StoredReceipt extends Receipt {
  readonly streamId: number;
}

interface ReceiptRow {
  room_id: string;
  receipt_type: string;
  user_id: string;
  event_id: string;
  thread_id: string | null;
  data: string;
  stream_id: number;
}

function toReceipt(row: ReceiptRow): StoredReceipt {
  return {
    roomId: row.room_id,
    receiptType: row.receipt_type,
    userId: row.user_id,
    eventId: row.event_id,
    threadId: row.thread_id,
    data: JSON.parse(row.data) as JsonObject,
    streamId: row.stream_id,
  };
}

const COLUMNS = 'room_id, receipt_type, user_id, event_id, thread_id, data, stream_id';

export class ReceiptsStore {
  constructor(
    private readonly db: Database,
    private readonly generator: StreamIdGenerator,
  ) {}

  /**
   * Writes a receipt; returns its stream position, or null when it was ignored because the current receipt of
   * that (room, type, user, thread) is for the same or a later event.
   */
  upsert(receipt: Receipt): number | null {
    let allocation: StreamIdAllocation | null = null;
    try {
      const streamId = this.db
        .transaction((): number | null => {
          const existing = this.db
            .prepare(
              `SELECT e.stream_ordering FROM receipts_linearized r LEFT JOIN events e ON e.event_id = r.event_id
               WHERE r.room_id = ? AND r.receipt_type = ? AND r.user_id = ? AND r.thread_id IS ?`,
            )
            .pluck()
            .get(receipt.roomId, receipt.receiptType, receipt.userId, receipt.threadId) as number | null | undefined;
          const target = this.db.prepare('SELECT stream_ordering FROM events WHERE event_id = ?').pluck().get(receipt.eventId) as number | undefined;
          if (existing !== undefined && existing !== null && target !== undefined && existing >= target) return null;
          this.db
            .prepare('DELETE FROM receipts_linearized WHERE room_id = ? AND receipt_type = ? AND user_id = ? AND thread_id IS ?')
            .run(receipt.roomId, receipt.receiptType, receipt.userId, receipt.threadId);
          allocation = this.generator.allocate(1);
          this.db
            .prepare(`INSERT INTO receipts_linearized (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
            .run(receipt.roomId, receipt.receiptType, receipt.userId, receipt.eventId, receipt.threadId, JSON.stringify(receipt.data), allocation.last);
          return allocation.last;
        })
        .immediate();
      (allocation as StreamIdAllocation | null)?.commit();
      return streamId;
    } catch (error) {
      (allocation as StreamIdAllocation | null)?.abort();
      throw error;
    }
  }

  /** Every current receipt in the room written at or below `upTo`. */
  forRoom(roomId: string, upTo: number): StoredReceipt[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM receipts_linearized WHERE room_id = ? AND stream_id <= ? ORDER BY stream_id`)
      .all(roomId, upTo) as ReceiptRow[];
    return rows.map(toReceipt);
  }

  /** Receipts written in (from, to], in every room. */
  changedBetween(from: number, to: number): StoredReceipt[] {
    if (to <= from) return [];
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM receipts_linearized WHERE stream_id > ? AND stream_id <= ? ORDER BY stream_id`)
      .all(from, to) as ReceiptRow[];
    return rows.map(toReceipt);
  }

  /** The user's own receipts of these types in a room. */
  forUserInRoom(userId: string, roomId: string, receiptTypes: readonly string[]): StoredReceipt[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM receipts_linearized WHERE user_id = ? AND room_id = ? AND receipt_type IN (SELECT value FROM json_each(?))`)
      .all(userId, roomId, JSON.stringify(receiptTypes)) as ReceiptRow[];
    return rows.map(toReceipt);
  }

  /**
   * The furthest events-stream position the user has marked as read in the room with `m.read` or
   * `m.read.private` (any thread), or null without such a receipt.
   */
  readUpToStreamOrdering(userId: string, roomId: string): number | null {
    return (
      (this.db
        .prepare(
          `SELECT MAX(e.stream_ordering) FROM receipts_linearized r JOIN events e ON e.event_id = r.event_id
           WHERE r.user_id = ? AND r.room_id = ? AND r.receipt_type IN ('m.read', 'm.read.private')`,
        )
        .pluck()
        .get(userId, roomId) as number | null) ?? null
    );
  }
}
