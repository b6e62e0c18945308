/**
 * The durable outbound federation queue: PDUs and EDUs owed to each destination, the retry state of each
 * destination, and how far our own events have been queued, so that a restart loses nothing.
 */
import type { Database } from '../../engine/database.ts';

export interface OutboxItem {
  readonly id: number;
  readonly kind: 'pdu' | 'edu';
  readonly eventId: string | null;
  readonly eduType: string | null;
  readonly content: unknown;
}

export interface DestinationRetryState {
  readonly failureTs: number | null;
  readonly retryLastTs: number | null;
  readonly retryIntervalMs: number;
  readonly lastSuccessTs: number | null;
}

export class FederationOutboxStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  enqueuePdus(destinations: readonly string[], eventIds: readonly string[]): void {
    const insert = this.db.prepare("INSERT OR IGNORE INTO federation_outbox (destination, kind, event_id, queued_ts) VALUES (?, 'pdu', ?, ?)");
    const now = this.now();
    this.db.transaction(() => {
      for (const destination of destinations) for (const eventId of eventIds) insert.run(destination, eventId, now);
    })();
  }

  /** Queues an EDU; with a dedupe key, a newer EDU replaces an older one still waiting (typing, presence). */
  enqueueEdu(destination: string, eduType: string, content: unknown, dedupeKey: string | null = null): void {
    this.db.transaction(() => {
      if (dedupeKey !== null) this.db.prepare('DELETE FROM federation_outbox WHERE destination = ? AND dedupe_key = ?').run(destination, dedupeKey);
      this.db
        .prepare("INSERT INTO federation_outbox (destination, kind, edu_type, content, dedupe_key, queued_ts) VALUES (?, 'edu', ?, ?, ?, ?)")
        .run(destination, eduType, JSON.stringify(content), dedupeKey, this.now());
    })();
  }

  /** The oldest items owed to `destination`: at most `maxPdus` PDUs and `maxEdus` EDUs, in queue order. */
  peek(destination: string, maxPdus: number, maxEdus: number): OutboxItem[] {
    const rows = (kind: 'pdu' | 'edu', limit: number) =>
      this.db
        .prepare('SELECT id, kind, event_id, edu_type, content FROM federation_outbox WHERE destination = ? AND kind = ? ORDER BY id LIMIT ?')
        .all(destination, kind, limit) as { id: number; kind: 'pdu' | 'edu'; event_id: string | null; edu_type: string | null; content: string | null }[];
    return [...rows('pdu', maxPdus), ...rows('edu', maxEdus)]
      .sort((a, b) => a.id - b.id)
      .map((r) => ({ id: r.id, kind: r.kind, eventId: r.event_id, eduType: r.edu_type, content: r.content === null ? null : JSON.parse(r.content) }));
  }

  remove(ids: readonly number[]): void {
    const del = this.db.prepare('DELETE FROM federation_outbox WHERE id = ?');
    this.db.transaction(() => ids.forEach((id) => del.run(id)))();
  }

  destinationsWithItems(): string[] {
    return this.db.prepare('SELECT DISTINCT destination FROM federation_outbox ORDER BY destination').pluck().all() as string[];
  }

  countsByDestination(): { destination: string; pending: number }[] {
    return (this.db.prepare('SELECT destination, COUNT(*) AS pending FROM federation_outbox GROUP BY destination ORDER BY destination').all() as { destination: string; pending: number }[]);
  }

  retryState(destination: string): DestinationRetryState {
    const row = this.db.prepare('SELECT failure_ts, retry_last_ts, retry_interval_ms, last_success_ts FROM destinations WHERE destination = ?').get(destination) as
      | { failure_ts: number | null; retry_last_ts: number | null; retry_interval_ms: number; last_success_ts: number | null }
      | undefined;
    return row
      ? { failureTs: row.failure_ts, retryLastTs: row.retry_last_ts, retryIntervalMs: row.retry_interval_ms, lastSuccessTs: row.last_success_ts }
      : { failureTs: null, retryLastTs: null, retryIntervalMs: 0, lastSuccessTs: null };
  }

  recordSuccess(destination: string): void {
    this.db
      .prepare(
        `INSERT INTO destinations (destination, failure_ts, retry_last_ts, retry_interval_ms, last_success_ts) VALUES (?, NULL, NULL, 0, ?)
         ON CONFLICT (destination) DO UPDATE SET failure_ts = NULL, retry_last_ts = NULL, retry_interval_ms = 0, last_success_ts = excluded.last_success_ts`,
      )
      .run(destination, this.now());
  }

  /** Forgets the destination's backoff (it just proved alive). Returns whether it was backing off. */
  clearBackoff(destination: string): boolean {
    const result = this.db
      .prepare('UPDATE destinations SET failure_ts = NULL, retry_last_ts = NULL, retry_interval_ms = 0 WHERE destination = ? AND retry_last_ts IS NOT NULL')
      .run(destination);
    return result.changes > 0;
  }

  recordFailure(destination: string, retryIntervalMs: number): void {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO destinations (destination, failure_ts, retry_last_ts, retry_interval_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (destination) DO UPDATE SET failure_ts = COALESCE(failure_ts, excluded.failure_ts), retry_last_ts = excluded.retry_last_ts, retry_interval_ms = excluded.retry_interval_ms`,
      )
      .run(destination, now, now, retryIntervalMs);
  }

  senderPosition(): number | null {
    return (this.db.prepare('SELECT stream_ordering FROM federation_sender_position WHERE id = 1').pluck().get() as number | undefined) ?? null;
  }

  setSenderPosition(streamOrdering: number): void {
    this.db.prepare('INSERT INTO federation_sender_position (id, stream_ordering) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET stream_ordering = MAX(stream_ordering, excluded.stream_ordering)').run(streamOrdering);
  }
}
