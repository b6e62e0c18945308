/**
 * Collects the tenant's mail: `relay_txn` in a loop, oldest first, each call acknowledging the entry handled
 * before it, until the relay has nothing left. An entry is acknowledged only after it was handled, so a crash
 * in between means it comes again (at least once); the transaction receiver de-duplicates it by origin + txn ID.
 * Pulls never overlap: a pull asked for while one runs makes that one go round once more. A failed pull is
 * tried again after a backoff.
 */
import type { Logger } from '../logging/logger.ts';
import type { FederationHttpClient } from '../federation/federationHttpClient.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { FederationRequestError } from '../federation/federationHttpClient.ts';
import { ExponentialBackoff, type BackoffOptions } from './exponentialBackoff.ts';
import { parseRelayTxnResponse, type RelayTxnResponse } from './relayedTransaction.ts';
import { mailboxUserId } from './relayFallbackSender.ts';

/** Handles one transaction from the mailbox. A MatrixError means the transaction itself is bad: it is skipped. */
export type RelayedTransactionHandler = (response: RelayTxnResponse) => Promise<void>;

export interface MailboxPullerOptions {
  /** Signs as the tenant. */
  readonly client: FederationHttpClient;
  readonly relayServerName: string;
  readonly ownServerName: string;
  readonly handle: RelayedTransactionHandler;
  readonly log: Logger;
  readonly now?: () => number;
  /** After a failed pull, the next one comes after this backoff (besides the usual triggers). */
  readonly retryBackoff?: BackoffOptions;
}

export const DEFAULT_PULL_RETRY: BackoffOptions = { initialMs: 1_000, maxMs: 5 * 60 * 1000 };

export interface MailboxPullStatus {
  /** Transactions waiting at the relay as of the last answer (null before the first). */
  readonly pending: number | null;
  readonly lastPullTs: number | null;
  readonly lastError: string | null;
  /** Transactions handled since start. */
  readonly received: number;
}

export class MailboxPuller {
  private running: Promise<void> | null = null;
  private again = false;
  private pending: number | null = null;
  private lastPullTs: number | null = null;
  private lastError: string | null = null;
  private received = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly retryBackoff: ExponentialBackoff;

  constructor(private readonly options: MailboxPullerOptions) {
    this.retryBackoff = new ExponentialBackoff(options.retryBackoff ?? DEFAULT_PULL_RETRY);
  }

  get status(): MailboxPullStatus {
    return { pending: this.pending, lastPullTs: this.lastPullTs, lastError: this.lastError, received: this.received };
  }

  /** The relay said how much waits (a tunnel notice): shown until the next pull. */
  notePending(pending: number): void {
    this.pending = pending;
  }

  /** No more pulls; resolves once the transaction being handled (if any) is done, unacknowledged ones stay. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.running;
  }

  /** Pulls until the mailbox is empty; resolves when done (errors are recorded, not thrown). */
  pull(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.drain();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    const { relayServerName, log } = this.options;
    let acknowledge = 0;
    try {
      for (;;) {
        const response = await this.relayTxn(acknowledge);
        this.pending = response.entries_pending ?? (response.entries_queued ? null : 0);
        if (!response.entries_queued || this.stopped) break;
        try {
          await this.options.handle(response);
          this.received++;
        } catch (e) {
          if (!(e instanceof MatrixError)) throw e;
          log.warn(`skipping relayed transaction ${String(response.txn_id)}: ${e.message}`);
        }
        acknowledge = response.entry_id;
      }
      this.lastPullTs = (this.options.now ?? Date.now)();
      this.lastError = null;
      this.retryBackoff.reset();
    } catch (e) {
      this.lastError = `collecting mail from ${relayServerName} failed: ${(e as Error).message}`;
      const delay = this.retryBackoff.next();
      log.warn(`${this.lastError}; trying again in ${delay} ms`);
      this.scheduleRetry(delay);
    }
  }

  /**
   * One `relay_txn` call. Asked again at once when no answer came at all (a keep-alive connection the relay had
   * just closed): safe, because acknowledging an entry twice is the same as once.
   */
  private async relayTxn(acknowledge: number): Promise<RelayTxnResponse> {
    const { client, relayServerName, ownServerName } = this.options;
    const request = { method: 'GET' as const, path: `/_matrix/federation/v1/relay_txn/${encodeURIComponent(mailboxUserId(ownServerName))}`, body: { entry_id: acknowledge } };
    let answer: unknown;
    try {
      answer = await client.request(relayServerName, request);
    } catch (e) {
      if (!(e instanceof FederationRequestError) || e.status !== 0) throw e;
      answer = await client.request(relayServerName, request);
    }
    return parseRelayTxnResponse(answer);
  }

  private scheduleRetry(delay: number): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.pull();
    }, delay);
    this.retryTimer.unref();
  }
}
