/**
 * A non-writer instance's link to the events writer: sends events to it for persistence, and follows its
 * stream positions, applying its cache invalidations before advancing the local view of each stream.
 */
import type { RoomEvent } from '../events/roomEvent.ts';
import type { EventContext } from '../state/eventContext.ts';
import type { CacheInvalidationStream } from '../storage/controllers/cacheInvalidationStream.ts';
import type { EventPersister } from '../storage/eventPersister.ts';
import type { PersistedEvent } from '../storage/controllers/eventsPersistenceController.ts';
import type { Logger } from '../logging/logger.ts';
import { TrackedStreamPosition } from './streamPosition.ts';
import type { PositionsResponse, ReplicatedEventRequest } from './replicationProtocol.ts';

const POLL_TIMEOUT_MS = 10_000;
const RETRY_DELAY_MS = 500;

export class ReplicationError extends Error {
  override readonly name = 'ReplicationError';
}

export class ReplicationClient implements EventPersister {
  readonly events: TrackedStreamPosition;
  readonly caches: TrackedStreamPosition;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private abort = new AbortController();

  constructor(
    private readonly writerBaseUrl: string,
    private readonly invalidations: CacheInvalidationStream,
    private readonly log: Logger,
    initial: { events: number; caches: number },
  ) {
    this.events = new TrackedStreamPosition(initial.events);
    this.caches = new TrackedStreamPosition(initial.caches);
  }

  /** One replication call; resolves after this instance has caught up to the new event. */
  async persist(event: RoomEvent, context: EventContext): Promise<PersistedEvent> {
    const request: ReplicatedEventRequest = {
      room_version: event.roomVersion.identifier,
      event_id: event.eventId,
      event: event.toPduJson(),
      internal: { ...event.internal },
      context: {
        state_group_before: context.stateGroupBefore,
        state_group_after: context.stateGroupAfter,
        rejected_reason: context.rejectedReason,
      },
    };
    const response = await fetch(`${this.writerBaseUrl}/_hearth/replication/v1/send_event`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await response.json()) as { stream_ordering?: number; errcode?: string; error?: string };
    if (!response.ok || typeof body.stream_ordering !== 'number') {
      throw new ReplicationError(`events writer refused the event: ${body.errcode ?? response.status} ${body.error ?? ''}`.trim());
    }
    await this.catchUp(body.stream_ordering);
    return { eventId: event.eventId, streamOrdering: body.stream_ordering, newlyPersisted: true };
  }

  /** Starts following the writer's streams. */
  start(): void {
    if (this.loop) return;
    this.loop = this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
  }

  /** Waits until the events position reaches `position`, polling at once rather than waiting for the loop. */
  private async catchUp(position: number): Promise<void> {
    while (this.events.current() < position) {
      if (this.loop) {
        await this.events.waitFor(position, POLL_TIMEOUT_MS);
      } else {
        await this.pollOnce(0);
      }
    }
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pollOnce(POLL_TIMEOUT_MS);
      } catch (e) {
        if (this.stopped) return;
        this.log.warn(`replication poll failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      }
    }
  }

  private async pollOnce(timeoutMs: number): Promise<void> {
    const url = `${this.writerBaseUrl}/_hearth/replication/v1/positions?events_after=${this.events.current()}&caches_after=${this.caches.current()}&timeout=${timeoutMs}`;
    const response = await fetch(url, { signal: this.abort.signal });
    if (!response.ok) throw new ReplicationError(`positions request failed with ${response.status}`);
    const body = (await response.json()) as PositionsResponse;
    this.invalidations.applyLocally(body.invalidations.map((row) => ({ cacheName: row.cache, key: row.key })));
    const lastApplied = body.invalidations.at(-1)?.stream_id ?? body.caches;
    this.caches.advanceTo(Math.min(lastApplied, body.caches));
    // Only when every invalidation up to the writer's cache position is applied may the events position move.
    if (this.caches.current() >= body.caches) this.events.advanceTo(body.events);
  }
}
