/**
 * Deposits into and pulls from the tenants' mailboxes, with the relay's rules: only tenants have a mailbox; a
 * deposit is a valid transaction (at most 50 PDUs and 100 EDUs) from an authenticated origin, within that
 * origin's rate limit (429 M_LIMIT_EXCEEDED) and the mailbox's size limits (507 M_RESOURCE_LIMIT_EXCEEDED:
 * a 5xx, so senders keep the transaction and retry, and nothing is lost); only the mailbox's owner may read or
 * acknowledge it (403 M_FORBIDDEN for anyone else, and nothing changes).
 */
import type { JsonValue } from '../crypto/canonicalJson.ts';
import { isAcceptableUserId, domainOf } from '../events/identifiers.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { RateLimiter, type RateLimit } from '../handlers/rateLimiter.ts';
import { isJsonObject } from '../http/requestFields.ts';
import { MAX_EDUS_PER_TRANSACTION, MAX_PDUS_PER_TRANSACTION } from '../federation/transactionReceiver.ts';
import type { MailboxLimits, MailboxStore, OriginAuthorization } from './mailboxStore.ts';
import type { RelayTenants } from './relayTenants.ts';
import { relayTxnResponse, type RelayTxnResponse } from './relayedTransaction.ts';

/** What a sender is told to wait before retrying a deposit into a full mailbox. */
const FULL_MAILBOX_RETRY_MS = 60_000;

export interface RelayMailboxesOptions {
  readonly relayServerName: string;
  readonly store: MailboxStore;
  readonly tenants: RelayTenants;
  readonly limits: MailboxLimits;
  readonly depositRate: RateLimit;
  readonly now?: () => number;
  /** Called after a transaction was stored, with the number now waiting for the tenant. */
  readonly onDeposited?: (tenant: string, pending: number) => void;
}

export interface Deposit {
  readonly tenant: string;
  /** Authenticated by the caller (X-Matrix). */
  readonly origin: string;
  readonly txnId: string;
  readonly body: JsonValue | undefined;
  readonly authorization: OriginAuthorization | null;
}

export class RelayMailboxes {
  private readonly depositLimiter: RateLimiter;

  constructor(private readonly options: RelayMailboxesOptions) {
    this.depositLimiter = new RateLimiter(options.depositRate, options.now);
  }

  /** Stores a transaction for a tenant (a repeated one is accepted again without a second copy). */
  deposit(deposit: Deposit): void {
    const { tenant, origin, body } = deposit;
    this.requireTenant(tenant);
    if (!isJsonObject(body)) throw MatrixError.badJson('The transaction must be a JSON object');
    const pdus = body.pdus ?? [];
    const edus = body.edus ?? [];
    if (!Array.isArray(pdus) || !Array.isArray(edus)) throw MatrixError.badJson('pdus and edus must be arrays');
    if (pdus.length > MAX_PDUS_PER_TRANSACTION || edus.length > MAX_EDUS_PER_TRANSACTION) {
      throw MatrixError.badJson(`A transaction carries at most ${MAX_PDUS_PER_TRANSACTION} PDUs and ${MAX_EDUS_PER_TRANSACTION} EDUs`);
    }
    if (typeof body.origin === 'string' && body.origin !== origin) throw MatrixError.forbidden('The transaction origin does not match the request');
    this.depositLimiter.take(origin);
    const outcome = this.options.store.deposit({ tenant, origin, txnId: deposit.txnId, content: body, authorization: deposit.authorization });
    if (outcome.kind === 'full') {
      const { maxEntries, maxBytes } = this.options.limits;
      throw new MatrixError(
        507,
        'M_RESOURCE_LIMIT_EXCEEDED',
        `The mailbox of ${tenant} at ${this.options.relayServerName} is full (${outcome.totals.entries} of ${maxEntries} transactions, ` +
          `${outcome.totals.bytes} of ${maxBytes} bytes); retry once ${tenant} has collected its mail`,
        { retry_after_ms: FULL_MAILBOX_RETRY_MS, limit_type: 'mailbox_size' },
      );
    }
    if (outcome.kind === 'stored') this.options.onDeposited?.(tenant, outcome.totals.entries);
  }

  /** `relay_txn`: acknowledges the entry named in `body` and hands out the oldest one left, for the owner only. */
  pull(origin: string, userId: string, body: JsonValue | undefined): RelayTxnResponse {
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    const tenant = domainOf(userId)!;
    this.requireTenant(tenant);
    if (origin !== tenant) throw MatrixError.forbidden(`Only ${tenant} may read or acknowledge its mailbox (this request is from ${origin})`);
    if (!isJsonObject(body) || body.entry_id === undefined) throw MatrixError.missingParam('The body must be {"entry_id": N}: the entry to acknowledge, or 0');
    const acknowledged = body.entry_id;
    if (typeof acknowledged !== 'number' || !Number.isSafeInteger(acknowledged) || acknowledged < -1) {
      throw MatrixError.badJson('entry_id must be an integer, -1 or more');
    }
    const entry = this.options.store.next(tenant, acknowledged);
    return relayTxnResponse(entry, this.options.store.totals(tenant).entries);
  }

  /** Transactions waiting for `tenant`. */
  pending(tenant: string): number {
    return this.options.store.totals(tenant).entries;
  }

  private requireTenant(tenant: string): void {
    if (!this.options.tenants.has(tenant)) throw MatrixError.forbidden(`${this.options.relayServerName} keeps no mailbox for ${tenant}: it is not one of this relay's tenants`);
  }
}
