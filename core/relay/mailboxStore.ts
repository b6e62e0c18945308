/**
 * The relay's mailboxes: transactions waiting for a tenant, oldest first, stored durably (one SQLite write per
 * deposit) and removed only when the tenant acknowledges them. A deposit is checked against the tenant's limits
 * in the same write transaction, so two deposits racing cannot overfill a mailbox; a transaction deposited again
 * by the same origin with the same ID is the one already stored.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import type { Database } from '../storage/engine/database.ts';

/** The part of an origin's X-Matrix request signature that is not the body; the tenant checks it (relayedTransaction.ts). */
export interface OriginAuthorization {
  readonly method: string;
  /** Path and query as the origin signed them. */
  readonly uri: string;
  readonly origin: string;
  /** Whom the origin addressed: the tenant (`/send`) or the relay (`send_relay`). */
  readonly destination: string;
  readonly key: string;
  readonly sig: string;
}

export interface MailboxDeposit {
  readonly tenant: string;
  readonly origin: string;
  readonly txnId: string;
  /** The request body as received: exactly what the origin signed. */
  readonly content: JsonObject;
  /** Null when the deposit cannot be tied to the origin's signature (the tenant then trusts only signed PDUs). */
  readonly authorization: OriginAuthorization | null;
}

export interface MailboxEntry extends MailboxDeposit {
  readonly entryId: number;
  readonly receivedTs: number;
}

export interface MailboxLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export interface MailboxTotals {
  readonly entries: number;
  readonly bytes: number;
}

export type DepositOutcome =
  | { readonly kind: 'stored'; readonly entryId: number; readonly totals: MailboxTotals }
  | { readonly kind: 'duplicate'; readonly entryId: number }
  | { readonly kind: 'full'; readonly totals: MailboxTotals };

interface EntryRow {
  entry_id: number;
  tenant: string;
  origin: string;
  txn_id: string;
  content_json: string;
  authorization_json: string | null;
  received_ts: number;
}

const EMPTY: MailboxTotals = { entries: 0, bytes: 0 };

export class MailboxStore {
  constructor(
    private readonly db: Database,
    private readonly limits: MailboxLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores a transaction for its tenant unless it is already there or the mailbox has no room for it. */
  deposit(deposit: MailboxDeposit): DepositOutcome {
    const contentJson = JSON.stringify(deposit.content);
    const authorizationJson = deposit.authorization ? JSON.stringify(deposit.authorization) : null;
    const size = Buffer.byteLength(contentJson) + (authorizationJson ? Buffer.byteLength(authorizationJson) : 0);
    return this.db
      .transaction((): DepositOutcome => {
        const existing = this.db
          .prepare('SELECT entry_id FROM relay_mailbox WHERE tenant = ? AND origin = ? AND txn_id = ?')
          .pluck()
          .get(deposit.tenant, deposit.origin, deposit.txnId) as number | undefined;
        if (existing !== undefined) return { kind: 'duplicate', entryId: existing };
        const totals = this.totals(deposit.tenant);
        if (totals.entries + 1 > this.limits.maxEntries || totals.bytes + size > this.limits.maxBytes) return { kind: 'full', totals };
        const result = this.db
          .prepare(
            'INSERT INTO relay_mailbox (tenant, origin, txn_id, content_json, authorization_json, size_bytes, received_ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(deposit.tenant, deposit.origin, deposit.txnId, contentJson, authorizationJson, size, this.now());
        return { kind: 'stored', entryId: Number(result.lastInsertRowid), totals: { entries: totals.entries + 1, bytes: totals.bytes + size } };
      })
      .immediate();
  }

  /**
   * `relay_txn`: removes `acknowledged` if it is the tenant's (any other number removes nothing) and returns the
   * oldest entry left, in one transaction.
   */
  next(tenant: string, acknowledged: number): MailboxEntry | null {
    return this.db
      .transaction(() => {
        if (acknowledged > 0) this.db.prepare('DELETE FROM relay_mailbox WHERE tenant = ? AND entry_id = ?').run(tenant, acknowledged);
        return this.oldest(tenant);
      })
      .immediate();
  }

  oldest(tenant: string): MailboxEntry | null {
    const row = this.db.prepare('SELECT * FROM relay_mailbox WHERE tenant = ? ORDER BY entry_id LIMIT 1').get(tenant) as EntryRow | undefined;
    return row ? toEntry(row) : null;
  }

  totals(tenant: string): MailboxTotals {
    const row = this.db.prepare('SELECT entries, bytes FROM relay_mailbox_totals WHERE tenant = ?').get(tenant) as MailboxTotals | undefined;
    return row ?? EMPTY;
  }
}

function toEntry(row: EntryRow): MailboxEntry {
  return {
    entryId: row.entry_id,
    tenant: row.tenant,
    origin: row.origin,
    txnId: row.txn_id,
    content: JSON.parse(row.content_json) as JsonObject,
    authorization: row.authorization_json === null ? null : (JSON.parse(row.authorization_json) as OriginAuthorization),
    receivedTs: row.received_ts,
  };
}
