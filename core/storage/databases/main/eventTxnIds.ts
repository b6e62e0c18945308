/**
 * Transaction IDs of sent events (idempotent `PUT /send/{type}/{txnId}`), looked up in memory. Every send asks
 * whether its (room, user, device, txn ID) was seen, and nearly always it was not; answering that from SQLite
 * cost an autocommit read per send and a unique index whose random key dirtied a page per event. The table
 * `event_txn_id` is now an append-only log that this index is loaded from on first use, and only the events
 * writer adds to both (PersistEventsStore writes the row, the persistence controller remembers it at commit,
 * while the room's send lock is held, so a retry waiting on that lock finds it).
 *
 * Kept for a day, as Synapse does: a client retries a send within minutes, and the index must not grow with
 * the account's whole history.
 */
import type { Database } from '../../engine/database.ts';
import { TupleKeyMap } from '../../cache/tupleKeyMap.ts';

/** How long a transaction ID keeps returning its event. */
export const TXN_ID_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface SentTxn {
  readonly roomId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly txnId: string;
  readonly eventId: string;
}

type TxnKey = [roomId: string, userId: string, deviceId: string, txnId: string];

export class EventTxnIds {
  private index: TupleKeyMap<TxnKey, string> | null = null;
  /** Entries in the order they were remembered (so by age), for dropping the expired ones from the front. */
  private readonly byAge: { readonly key: TxnKey; readonly rememberedAt: number }[] = [];
  private oldest = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** The event sent into this room by this user's device with this transaction ID in the last day, if any. */
  eventIdFor(roomId: string, userId: string, deviceId: string, txnId: string): string | null {
    return this.loaded().get([roomId, userId, deviceId, txnId]) ?? null;
  }

  /** Records committed sends; a transaction ID already known keeps its first event. */
  remember(sent: readonly SentTxn[]): void {
    const index = this.loaded();
    const now = this.now();
    for (const s of sent) this.add(index, [s.roomId, s.userId, s.deviceId, s.txnId], s.eventId, now);
    this.expire(now);
  }

  private loaded(): TupleKeyMap<TxnKey, string> {
    if (this.index !== null) return this.index;
    const index = new TupleKeyMap<TxnKey, string>(4, 'event transaction IDs');
    const rows = this.db
      .prepare('SELECT room_id, user_id, device_id, txn_id, event_id, inserted_ts FROM event_txn_id WHERE inserted_ts >= ? ORDER BY inserted_ts, rowid')
      .all(this.now() - TXN_ID_RETENTION_MS) as { room_id: string; user_id: string; device_id: string; txn_id: string; event_id: string; inserted_ts: number }[];
    for (const r of rows) this.add(index, [r.room_id, r.user_id, r.device_id, r.txn_id], r.event_id, r.inserted_ts);
    this.index = index;
    return index;
  }

  private add(index: TupleKeyMap<TxnKey, string>, key: TxnKey, eventId: string, at: number): void {
    if (index.has(key)) return;
    index.set(key, eventId);
    this.byAge.push({ key, rememberedAt: at });
  }

  private expire(now: number): void {
    const index = this.index!;
    const cutoff = now - TXN_ID_RETENTION_MS;
    while (this.oldest < this.byAge.length && this.byAge[this.oldest]!.rememberedAt < cutoff) index.delete(this.byAge[this.oldest++]!.key);
    // Compact once the expired prefix is the larger part, so the array does not keep every entry ever seen.
    if (this.oldest > 1024 && this.oldest * 2 > this.byAge.length) {
      this.byAge.splice(0, this.oldest);
      this.oldest = 0;
    }
  }
}
