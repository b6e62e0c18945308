/**
 * The relay client a desktop homeserver runs when its settings name a relay (`relay: { url, server_name,
 * secret }`): the live tunnel through which the relay forwards federation for us, and the collection of our
 * mailbox there at start, on every (re)connection, when the relay announces mail, and periodically. It reports
 * its state for the health page (RelayStatusSource).
 */
import type { RelayConfig } from '../config/homeserverConfig.ts';
import type { FederationHttpClient } from '../federation/federationHttpClient.ts';
import type { FederationEventHandler } from '../federation/federationEventHandler.ts';
import type { KeyRing } from '../federation/keyRing.ts';
import type { TransactionReceiver } from '../federation/transactionReceiver.ts';
import { MAX_PDUS_PER_TRANSACTION } from '../federation/transactionReceiver.ts';
import type { RelayStatus } from '../http/admin/adminApiTypes.ts';
import type { RelayStatusSource } from '../http/admin/relayStatusSource.ts';
import type { Logger } from '../logging/logger.ts';
import type { BackoffOptions } from './exponentialBackoff.ts';
import { MailboxPuller } from './mailboxPuller.ts';
import { checkRelayedTransaction, type RelayTxnResponse } from './relayedTransaction.ts';
import { RelayTunnelClient, type Scheduler, type TunnelRequestHandler } from './tunnelClient.ts';

export const DEFAULT_MAILBOX_POLL_MS = 5 * 60 * 1000;

export interface RelayClientOptions {
  readonly relay: RelayConfig;
  readonly serverName: string;
  /** Signs as us; resolves the relay's name to `relay.url`. */
  readonly client: FederationHttpClient;
  readonly keyRing: KeyRing;
  readonly transactions: TransactionReceiver;
  readonly events: FederationEventHandler;
  /** Answers the requests that come through the tunnel (our federation app). */
  readonly handler: TunnelRequestHandler;
  readonly verifyCertificates: boolean;
  readonly allowInsecureHttp: boolean;
  readonly log: Logger;
  /** How often the mailbox is checked besides (re)connections and the relay's notices. */
  readonly pollIntervalMs?: number;
  readonly backoff?: BackoffOptions;
  readonly scheduler?: Scheduler;
}

export class RelayClient implements RelayStatusSource {
  readonly tunnel: RelayTunnelClient;
  readonly mailbox: MailboxPuller;
  private poller: NodeJS.Timeout | null = null;
  private running = false;
  /** Why the client cannot run at all (a configuration problem), shown on the health page. */
  private readonly configurationProblem: string | null;

  constructor(private readonly options: RelayClientOptions) {
    const { relay, log } = options;
    this.configurationProblem =
      new URL(relay.url).protocol === 'http:' && !options.allowInsecureHttp ? `refusing plain HTTP to the relay ${relay.url} (federation.allow_insecure_http is off)` : null;
    this.mailbox = new MailboxPuller({
      client: options.client,
      relayServerName: relay.server_name,
      ownServerName: options.serverName,
      handle: (response) => this.accept(response),
      log: log.child('relay-mailbox'),
    });
    this.tunnel = new RelayTunnelClient({
      relayUrl: relay.url,
      serverName: options.serverName,
      secret: relay.secret,
      handler: options.handler,
      verifyCertificates: options.verifyCertificates,
      log: log.child('relay-tunnel'),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      onConnected: () => void this.mailbox.pull(),
      onMailbox: (pending) => {
        this.mailbox.notePending(pending);
        void this.mailbox.pull();
      },
    });
  }

  start(): void {
    if (this.configurationProblem) {
      this.options.log.error(this.configurationProblem);
      return;
    }
    this.running = true;
    this.tunnel.start();
    void this.mailbox.pull();
    this.poller = setInterval(() => void this.mailbox.pull(), this.options.pollIntervalMs ?? DEFAULT_MAILBOX_POLL_MS);
    this.poller.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.poller) clearInterval(this.poller);
    await this.tunnel.stop();
    // A transaction being handled finishes before storage closes.
    await this.mailbox.stop();
  }

  relayStatus(): RelayStatus {
    const { relay } = this.options;
    const tunnel = this.tunnel.status;
    const mailbox = this.mailbox.status;
    const base = { configured: true, url: relay.url, server_name: relay.server_name, mailbox_pending: mailbox.pending, mailbox_collected: mailbox.received, last_connected_ts: tunnel.lastConnectedTs, last_pull_ts: mailbox.lastPullTs };
    if (this.configurationProblem) return { ...base, connection: 'not_running', last_error: this.configurationProblem, summary: `not running: ${this.configurationProblem}` };
    if (!this.running) return { ...base, connection: 'not_running', last_error: tunnel.lastError ?? mailbox.lastError, summary: 'stopped' };
    const lastError = tunnel.lastError ?? mailbox.lastError;
    switch (tunnel.state) {
      case 'connected':
        return { ...base, connection: 'connected', last_error: mailbox.lastError, summary: `connected to ${relay.server_name}` };
      case 'connecting':
        return { ...base, connection: 'connecting', last_error: lastError, summary: `connecting to ${relay.server_name}` };
      default: {
        const wait = tunnel.nextAttemptTs === null ? '' : `; retrying in ${Math.max(0, Math.ceil((tunnel.nextAttemptTs - Date.now()) / 1000))} s`;
        return { ...base, connection: 'disconnected', last_error: lastError, summary: `disconnected from ${relay.server_name}${wait}` };
      }
    }
  }

  /** Handles one transaction from the mailbox: all of it when its origin's signature verifies, else only its PDUs. */
  private async accept(response: RelayTxnResponse): Promise<void> {
    const checked = await checkRelayedTransaction(response, { ownServerName: this.options.serverName, relayServerName: this.options.relay.server_name, keyRing: this.options.keyRing });
    if (checked.kind === 'signed') {
      await this.options.transactions.receive(checked.origin, checked.txnId, checked.body);
      return;
    }
    const edus = Array.isArray(response.transaction.edus) ? response.transaction.edus.length : 0;
    this.options.log.warn(
      `relayed transaction ${String(response.txn_id)} claimed by ${checked.origin}: ${checked.reason}; taking only its ${checked.pdus.length} PDUs (each checked on its own signatures) and refusing its ${edus} EDUs`,
    );
    for (const pdu of checked.pdus.slice(0, MAX_PDUS_PER_TRANSACTION)) await this.options.events.receivePdu(checked.origin, pdu);
  }
}
