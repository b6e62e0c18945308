/**
 * Sending to other servers: our own new events go to every other server joined to their room (at the event),
 * EDUs go where their producers say. Everything is queued durably per destination (federation_outbox); one
 * worker per destination sends transactions of at most 50 PDUs and 100 EDUs, retries with exponential backoff
 * (the same transaction ID, so the receiver de-duplicates), and catches up when the destination returns. After a
 * restart, queued items are sent and our events persisted since the last queued position are queued.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import type { RoomEvent } from '../events/roomEvent.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { FederationOutboxStore, OutboxItem } from '../storage/databases/main/federationOutboxStore.ts';
import type { EventsPersistenceController, PersistedBatch } from '../storage/controllers/eventsPersistenceController.ts';
import { hostsOf } from '../state/joinedUsers.ts';
import type { Logger } from '../logging/logger.ts';
import type { FederationHttpClient } from './federationHttpClient.ts';
import { FederationRequestError } from './federationHttpClient.ts';
import { MAX_EDUS_PER_TRANSACTION, MAX_PDUS_PER_TRANSACTION } from './transactionReceiver.ts';

export const INITIAL_RETRY_MS = 2_000;
export const MAX_RETRY_MS = 10 * 60 * 1000;
/** How long a sender position that federated nothing may stay unsaved. */
export const POSITION_SAVE_DELAY_MS = 1_000;

/** Sends a transaction some other way when the destination is unreachable (the relay, issue 7). */
export type FallbackSender = (destination: string, txnId: string, body: JsonObject) => Promise<boolean>;

export interface FederationSenderOptions {
  readonly stores: DataStores;
  readonly outbox: FederationOutboxStore;
  readonly client: FederationHttpClient;
  readonly log: Logger;
  readonly now?: () => number;
  readonly fallback?: FallbackSender;
}

export class FederationSender {
  private readonly workers = new Map<string, Promise<void>>();
  private readonly wakeUps = new Map<string, () => void>();
  private readonly txnCounter = { value: 0 };
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private paused = false;
  /** The tail of the batches being queued. */
  private queueing: Promise<void> = Promise.resolve();
  /** A sender position not yet saved (batches that federated nothing), and the deferred write that will save it. */
  private unsavedPosition: number | null = null;
  private positionWrite: Promise<void> | null = null;

  constructor(private readonly options: FederationSenderOptions) {}

  private get serverName(): string {
    return this.options.stores.serverName;
  }

  /** Starts following persisted events and sends what is queued. */
  async start(persistence: EventsPersistenceController): Promise<void> {
    // Batches are queued one after the other, so the saved position never passes a batch still being queued.
    this.unsubscribe = persistence.onPersisted((batch) => {
      this.queueing = this.queueing.then(() => this.queueBatch(batch)).catch((e) => this.options.log.error('queueing events for federation failed', e));
    });
    await this.catchUpQueue();
    for (const destination of this.options.outbox.destinationsWithItems()) this.poke(destination);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.queueing;
    this.savePosition();
    // The deferred write (now with nothing to save) must not outlive the database.
    this.options.stores.groupCommit.hurry();
    await this.positionWrite;
    for (const wake of this.wakeUps.values()) wake();
    await Promise.allSettled([...this.workers.values()]);
  }

  /** While paused (the desktop's "pause federation"), items queue but nothing is sent. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) for (const destination of this.options.outbox.destinationsWithItems()) this.poke(destination);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Queues an EDU for `destination`. */
  sendEdu(destination: string, eduType: string, content: JsonObject, dedupeKey: string | null = null): void {
    if (destination === this.serverName) return;
    this.options.outbox.enqueueEdu(destination, eduType, content, dedupeKey);
    this.poke(destination);
  }

  /** Starts (or wakes) the destination's worker after items were put in the outbox directly, in a caller's transaction. */
  wake(destination: string): void {
    if (destination !== this.serverName) this.poke(destination);
  }

  /** Queues our events (already persisted) for the given destinations. */
  sendEvents(destinations: readonly string[], eventIds: readonly string[]): void {
    const others = destinations.filter((d) => d !== this.serverName);
    if (others.length === 0 || eventIds.length === 0) return;
    this.options.outbox.enqueuePdus(others, eventIds);
    for (const destination of others) this.poke(destination);
  }

  /**
   * A validly signed request came from `destination`: it is up again, so a backoff towards it ends and what
   * waits for it goes now (Synapse resets its retry timings the same way) instead of at the next retry.
   */
  destinationUp(destination: string): void {
    if (this.stopped || !this.options.outbox.clearBackoff(destination)) return;
    this.poke(destination);
  }

  /** The pending items per destination and their retry state, for the health page. */
  queueStatus(): { destination: string; pending: number; retryIntervalMs: number; failingSince: number | null }[] {
    return this.options.outbox.countsByDestination().map(({ destination, pending }) => {
      const retry = this.options.outbox.retryState(destination);
      return { destination, pending, retryIntervalMs: retry.retryIntervalMs, failingSince: retry.failureTs };
    });
  }

  /**
   * Queues a persisted batch's events for the servers in their rooms, in one transaction with the new sender
   * position. A batch that federates nothing (a room of local users only) only moves the position in memory, saved
   * at most every POSITION_SAVE_DELAY_MS: a crash in between makes the restart re-scan those events, which again
   * federate nothing, and spares every local message an extra fsync.
   */
  private async queueBatch(batch: PersistedBatch): Promise<void> {
    const local = batch.events.filter(({ event, context }) => event.senderDomain === this.serverName && !event.internal.outlier && context.rejectedReason === null);
    const queued: { destinations: string[]; eventId: string }[] = [];
    for (const { event, context } of local) {
      const destinations = await this.destinationsFor(event, context.stateGroupAfter);
      if (destinations.length > 0) queued.push({ destinations, eventId: event.eventId });
    }
    if (queued.length === 0) {
      this.deferPosition(batch.maxStreamOrdering);
      return;
    }
    const { outbox } = this.options;
    this.options.stores.db.transaction(() => {
      for (const { destinations, eventId } of queued) outbox.enqueuePdus(destinations, [eventId]);
      outbox.setSenderPosition(Math.max(batch.maxStreamOrdering, this.unsavedPosition ?? 0));
    })();
    this.unsavedPosition = null;
    for (const destination of new Set(queued.flatMap((q) => q.destinations))) this.poke(destination);
  }

  private deferPosition(position: number): void {
    this.unsavedPosition = Math.max(this.unsavedPosition ?? 0, position);
    if (this.positionWrite !== null) return;
    // In the next group transaction (the next events persisted), or one of its own after the delay: no commit
    // per local message. It saves whatever position is unsaved when it runs.
    const written: Promise<void> = this.options.stores.groupCommit
      .writeDeferred(() => {
        if (this.positionWrite === written) this.positionWrite = null;
        this.savePosition();
      }, POSITION_SAVE_DELAY_MS)
      .catch((e: unknown) => {
        // Not written: a later batch schedules another write of the (still unsaved) position.
        if (this.positionWrite === written) this.positionWrite = null;
        this.options.log.error('saving the federation sender position failed', e);
      });
    this.positionWrite = written;
  }

  private savePosition(): void {
    if (this.unsavedPosition === null) return;
    this.options.outbox.setSenderPosition(this.unsavedPosition);
    this.unsavedPosition = null;
  }

  /** The servers joined at the event, plus the target's server for membership changes (they must hear of them). */
  private async destinationsFor(event: RoomEvent, stateGroup: number | null): Promise<string[]> {
    const hosts = new Set<string>();
    if (stateGroup !== null) {
      const joined = await this.options.stores.members.getJoinedUsersAtStateGroup(stateGroup);
      for (const host of hostsOf(joined.keys())) hosts.add(host);
    }
    if (event.type === 'm.room.member' && event.stateKey !== null) {
      const target = domainOf(event.stateKey);
      if (target) hosts.add(target);
    }
    hosts.delete(this.serverName);
    return [...hosts];
  }

  /** After a restart: queue our events persisted after the last position we queued (the crash window). */
  private async catchUpQueue(): Promise<void> {
    const position = this.options.outbox.senderPosition();
    const current = this.options.stores.streams.events.getCurrentToken();
    if (position === null) {
      this.options.outbox.setSenderPosition(current);
      return;
    }
    if (position >= current) return;
    const rows = this.options.stores.db
      .prepare('SELECT event_id FROM events WHERE stream_ordering > ? AND stream_ordering <= ? AND outlier = 0 AND sender LIKE ? ORDER BY stream_ordering')
      .pluck()
      .all(position, current, `%:${this.serverName}`) as string[];
    const stored = await this.options.stores.events.getEvents(rows);
    for (const id of rows) {
      const entry = stored.get(id);
      if (!entry || entry.rejectedReason !== null) continue;
      const group = this.options.stores.stateGroups.getStateGroupsForEvents([id]).get(id) ?? null;
      this.sendEvents(await this.destinationsFor(entry.event, group), [id]);
    }
    this.options.outbox.setSenderPosition(current);
  }

  private poke(destination: string): void {
    if (this.stopped) return;
    const wake = this.wakeUps.get(destination);
    if (wake) {
      wake();
      return;
    }
    if (!this.workers.has(destination)) {
      const worker = this.run(destination).finally(() => this.workers.delete(destination));
      this.workers.set(destination, worker);
    }
  }

  private async run(destination: string): Promise<void> {
    const { outbox } = this.options;
    let txnId: string | null = null;
    let inFlight: number[] = [];
    while (!this.stopped) {
      if (this.paused) return;
      const retry = outbox.retryState(destination);
      const now = (this.options.now ?? Date.now)();
      if (retry.retryLastTs !== null && retry.retryLastTs + retry.retryIntervalMs > now) {
        await this.sleep(destination, retry.retryLastTs + retry.retryIntervalMs - now);
        continue;
      }
      const items = outbox.peek(destination, MAX_PDUS_PER_TRANSACTION, MAX_EDUS_PER_TRANSACTION);
      if (items.length === 0) return;
      const ids = items.map((i) => i.id);
      // Retrying the very same items keeps the same transaction ID, so the destination de-duplicates.
      if (txnId === null || ids.join(',') !== inFlight.join(',')) {
        txnId = `${Date.now()}_${++this.txnCounter.value}`;
        inFlight = ids;
      }
      const body = await this.transactionBody(items);
      const currentTxn: string = txnId;
      try {
        await this.options.client.request(destination, { method: 'PUT', path: `/_matrix/federation/v1/send/${encodeURIComponent(currentTxn)}`, body });
        outbox.remove(ids);
        outbox.recordSuccess(destination);
        txnId = null;
      } catch (e) {
        if (this.options.fallback && e instanceof FederationRequestError && e.retryable && (await this.tryFallback(destination, currentTxn, body))) {
          outbox.remove(ids);
          txnId = null;
          continue;
        }
        if (e instanceof FederationRequestError && !e.retryable) {
          // The destination refused the transaction itself (4xx): retrying would not help; drop it.
          this.options.log.warn(`${destination} refused a transaction: ${e.message}; dropping ${ids.length} items`);
          outbox.remove(ids);
          txnId = null;
          continue;
        }
        const next = Math.min(Math.max(retry.retryIntervalMs * 2, INITIAL_RETRY_MS), MAX_RETRY_MS);
        outbox.recordFailure(destination, next);
        this.options.log.info(`sending to ${destination} failed (${(e as Error).message}); retrying in ${next} ms`);
      }
    }
  }

  private async tryFallback(destination: string, txnId: string, body: JsonObject): Promise<boolean> {
    try {
      return await this.options.fallback!(destination, txnId, body);
    } catch (e) {
      this.options.log.warn(`fallback delivery to ${destination} failed: ${(e as Error).message}`);
      return false;
    }
  }

  private async transactionBody(items: readonly OutboxItem[]): Promise<JsonObject> {
    const eventIds = items.filter((i) => i.kind === 'pdu').map((i) => i.eventId!);
    const stored = await this.options.stores.events.getEvents(eventIds);
    const pdus = eventIds.flatMap((id) => {
      const entry = stored.get(id);
      return entry ? [entry.event.toPduJson() as JsonObject] : [];
    });
    const edus = items.filter((i) => i.kind === 'edu').map((i) => ({ edu_type: i.eduType!, content: i.content as JsonObject }));
    return { origin: this.serverName, origin_server_ts: Date.now(), pdus, edus };
  }

  private sleep(destination: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        // Gone once the sleep ends either way: a stale entry would swallow the next poke (no worker would start).
        if (this.wakeUps.get(destination) === wake) this.wakeUps.delete(destination);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeUps.set(destination, wake);
    });
  }
}
