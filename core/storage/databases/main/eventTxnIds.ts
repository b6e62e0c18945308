/**
 * Transaction IDs of sent events (idempotent `PUT /send/{type}/{txnId}`), looked up in memory. Every send asks
 * whether its (room, user, device, txn ID) was seen, and nearly always it was not; answering that from SQLite
 * cost an autocommit read per send and a unique index whose random key dirtied a page per event. The table
 * `event_txn_id` is now an append-only log (ids only grow) that this index is loaded from on first use.
 *
 * On the events writer every row passes through this process: PersistEventsStore writes it and the persistence
 * controller remembers it at the commit, while the room's send lock is held, so a retry waiting on that lock
 * finds it. Another instance learns of rows the writer appended by reading the log past the last id it saw,
 * when a lookup misses (a miss is a send about to be forwarded to the writer anyway).
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

export interface EventTxnIdsOptions {
  /** False on the events writer, whose own commits are all the log ever receives. */
  readonly readsNewRows: boolean;
  readonly now?: () => number;
}

type TxnKey = [roomId: string, userId: string, deviceId: string, txnId: string];

interface LogRow {
  id: number;
  room_id: string;
  user_id: string;
  device_id: string;
  txn_id: string;
  event_id: string;
  inserted_ts: number;
}

export class EventTxnIds {
  private index: TupleKeyMap<TxnKey, string> | null = null;
  /** Entries in the order they were remembered (so by age), for dropping the expired ones from the front. */
  private readonly byAge: { readonly key: TxnKey; readonly rememberedAt: number }[] = [];
  private oldest = 0;
  /** The highest log id read so far. */
  private lastId = 0;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly options: EventTxnIdsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The event sent into this room by this user's device with this transaction ID in the last day, if any. */
  eventIdFor(roomId: string, userId: string, deviceId: string, txnId: string): string | null {
    const key: TxnKey = [roomId, userId, deviceId, txnId];
    const found = this.loaded().get(key);
    if (found !== undefined || !this.options.readsNewRows) return found ?? null;
    this.readNewRows();
    return this.index!.get(key) ?? null;
  }

  /** Records committed sends; a transaction ID already known keeps its first event. */
  remember(sent: readonly SentTxn[]): void {
    const index = this.loaded();
    const now = this.now();
    for (const s of sent) this.add(index, [s.roomId, s.userId, s.deviceId, s.txnId], s.eventId, now);
    this.expire(now);
  }

  private loaded(): TupleKeyMap<TxnKey, string> {
    if (this.index === null) {
      this.index = new TupleKeyMap<TxnKey, string>(4, 'event transaction IDs');
      this.readNewRows();
    }
    return this.index;
  }

  private readNewRows(): void {
    const index = this.index!;
    const rows = this.db
      .prepare('SELECT id, room_id, user_id, device_id, txn_id, event_id, inserted_ts FROM event_txn_id WHERE id > ? AND inserted_ts >= ? ORDER BY id')
      .all(this.lastId, this.now() - TXN_ID_RETENTION_MS) as LogRow[];
    for (const r of rows) {
      this.add(index, [r.room_id, r.user_id, r.device_id, r.txn_id], r.event_id, r.inserted_ts);
      this.lastId = r.id;
    }
    this.expire(this.now());
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
