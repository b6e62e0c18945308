/**
 * The to-device inbox: messages waiting for a local device, in arrival order, each send taking one ID of the
 * to-device stream (Streams.toDevice) shared by the rows it writes. A message stays until a /sync of its device
 * acknowledges it. Senders' transaction IDs are remembered so a retried request is not delivered twice.
 */
import type { Database } from '../../engine/database.ts';
import type { StreamIdGenerator } from '../../engine/streamIdGenerator.ts';
import type { JsonObject } from '../../../crypto/canonicalJson.ts';

export interface InboxDelivery {
  readonly userId: string;
  readonly deviceId: string;
  /** The event as /sync hands it out: `{type, sender, content}`. */
  readonly message: JsonObject;
}

export interface InboxMessage {
  readonly streamId: number;
  readonly message: JsonObject;
}

/** Who sent a request, and under which transaction ID. */
export interface InboxTransaction {
  readonly userId: string;
  readonly deviceId: string;
  readonly txnId: string;
}

/** How long a transaction ID is remembered; clients retry within minutes. */
export const TO_DEVICE_TXN_LIFETIME_MS = 24 * 60 * 60 * 1000;

export class DeviceInboxStore {
  constructor(
    private readonly db: Database,
    private readonly generator: StreamIdGenerator,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores `deliveries` under one new stream ID and remembers the transaction. Returns the stream ID, `null` when
   * the transaction was seen before (nothing is written), or `0` when there was nothing to deliver (the
   * transaction is still remembered).
   */
  add(transaction: InboxTransaction, deliveries: readonly InboxDelivery[]): number | null {
    const now = this.now();
    const remember = () =>
      this.db
        .prepare('INSERT OR IGNORE INTO device_inbox_txns (user_id, device_id, txn_id, ts) VALUES (?, ?, ?, ?)')
        .run(transaction.userId, transaction.deviceId, transaction.txnId, now).changes > 0;
    if (deliveries.length === 0) {
      return this.db.transaction(() => (remember() ? 0 : null)).immediate();
    }
    const allocation = this.generator.allocate(1);
    let fresh = false;
    try {
      this.db
        .transaction(() => {
          fresh = remember();
          if (!fresh) return;
          const insert = this.db.prepare('INSERT INTO device_inbox (user_id, device_id, stream_id, message_json) VALUES (?, ?, ?, ?)');
          for (const d of deliveries) insert.run(d.userId, d.deviceId, allocation.last, JSON.stringify(d.message));
          this.db
            .prepare(
              `INSERT INTO device_inbox_stream_position (id, stream_id) VALUES (1, ?)
               ON CONFLICT (id) DO UPDATE SET stream_id = MAX(stream_id, excluded.stream_id)`,
            )
            .run(allocation.last);
        })
        .immediate();
    } catch (e) {
      allocation.abort();
      throw e;
    }
    if (!fresh) {
      allocation.abort();
      return null;
    }
    allocation.commit();
    return allocation.last;
  }

  /** The device's messages in (after, upTo], oldest first, at most `limit`. */
  messagesFor(userId: string, deviceId: string, after: number, upTo: number, limit: number): InboxMessage[] {
    const rows = this.db
      .prepare(
        'SELECT stream_id, message_json FROM device_inbox WHERE user_id = ? AND device_id = ? AND stream_id > ? AND stream_id <= ? ORDER BY stream_id LIMIT ?',
      )
      .all(userId, deviceId, after, upTo, limit) as { stream_id: number; message_json: string }[];
    return rows.map((r) => ({ streamId: r.stream_id, message: JSON.parse(r.message_json) as JsonObject }));
  }

  /** Deletes the device's messages up to `upTo` (the client acknowledged them); returns how many. */
  deleteUpTo(userId: string, deviceId: string, upTo: number): number {
    return this.db.prepare('DELETE FROM device_inbox WHERE user_id = ? AND device_id = ? AND stream_id <= ?').run(userId, deviceId, upTo).changes;
  }

  /** Number of messages waiting for the device (for tests and the health page). */
  pendingCount(userId: string, deviceId: string): number {
    return this.db.prepare('SELECT COUNT(*) FROM device_inbox WHERE user_id = ? AND device_id = ?').pluck().get(userId, deviceId) as number;
  }

  /** Forgets a deleted device's inbox and transaction IDs. */
  deleteForDevice(userId: string, deviceId: string): void {
    this.db.prepare('DELETE FROM device_inbox WHERE user_id = ? AND device_id = ?').run(userId, deviceId);
    this.db.prepare('DELETE FROM device_inbox_txns WHERE user_id = ? AND device_id = ?').run(userId, deviceId);
  }

  /** Forgets transaction IDs older than the retry window. */
  pruneTransactions(): number {
    return this.db.prepare('DELETE FROM device_inbox_txns WHERE ts < ?').run(this.now() - TO_DEVICE_TXN_LIFETIME_MS).changes;
  }
}
