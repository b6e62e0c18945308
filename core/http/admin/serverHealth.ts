/**
 * The server overview for the health page: uptime, database size, counts, stream positions, cache hit ratios
 * (from the cache registry), federation queues per destination, the relay, recent problems from the log, and
 * the events/s samples. Counting events scans an index, so the count is redone only when the events stream
 * has moved since the last one.
 */
import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { AdminReadStore } from '../../storage/databases/main/adminReadStore.ts';
import type { FederationSender } from '../../federation/federationSender.ts';
import type { Logger } from '../../logging/logger.ts';
import type { StreamPosition } from '../../replication/streamPosition.ts';
import type { CacheHitRatio, FederationStatus, HealthTick, LogProblem, ServerCounts, ServerOverview } from './adminApiTypes.ts';
import type { EventRateSampler } from './eventRateSampler.ts';
import type { RelayStatusSource } from './relayStatusSource.ts';

export interface ServerHealthDeps {
  readonly stores: DataStores;
  readonly eventsPosition: StreamPosition;
  readonly databasePath: string;
  /** Where Matrix clients reach the server (known once it listens). */
  readonly homeserverUrl: () => string;
  readonly version: string;
  readonly uptimeMs: () => number;
  readonly log: Logger;
  readonly sampler: EventRateSampler;
  /** Null where this instance does not federate. */
  readonly federationSender: FederationSender | null;
  readonly federationListener: () => AddressInfo | null;
  readonly relay: () => RelayStatusSource;
  /** Whether a pause of federation can be saved (the server has a config file). */
  readonly pauseSaved: boolean;
}

export class ServerHealth {
  private readonly stats: AdminReadStore;
  private eventCount: { position: number; count: number } | null = null;

  constructor(private readonly deps: ServerHealthDeps) {
    this.stats = new AdminReadStore(deps.stores.db);
  }

  overview(): ServerOverview {
    const caches = this.deps.stores.caches.snapshot().map(
      (c): CacheHitRatio => ({ name: c.name, hits: c.hits, misses: c.misses, hit_ratio: ratio(c.hits, c.misses), size: c.size, max_entries: c.maxEntries }),
    );
    const hits = caches.reduce((sum, c) => sum + c.hits, 0);
    const misses = caches.reduce((sum, c) => sum + c.misses, 0);
    return {
      server_name: this.deps.stores.serverName,
      version: this.deps.version,
      homeserver_url: this.deps.homeserverUrl(),
      uptime_ms: this.deps.uptimeMs(),
      database: { path: this.deps.databasePath, size_bytes: this.databaseSize() },
      counts: this.counts(),
      stream_positions: this.streamPositions(),
      caches,
      cache_totals: { hits, misses, hit_ratio: ratio(hits, misses) },
      federation: this.federation(),
      relay: this.deps.relay().relayStatus(),
      recent_problems: this.deps.log.recentProblems().map(
        (entry): LogProblem => ({ ts: entry.ts, level: entry.level === 'error' ? 'error' : 'warn', scope: entry.scope, message: entry.message }),
      ),
      event_rate: this.deps.sampler.recent(),
    };
  }

  tick(): HealthTick {
    return {
      ts: Date.now(),
      uptime_ms: this.deps.uptimeMs(),
      events_per_second: this.deps.sampler.latestRate(),
      counts: this.counts(),
      stream_positions: this.streamPositions(),
    };
  }

  federation(): FederationStatus {
    const sender = this.deps.federationSender;
    const listener = this.deps.federationListener();
    return {
      enabled: sender !== null,
      paused: sender?.isPaused ?? false,
      pause_saved: sender !== null && this.deps.pauseSaved,
      listener: listener ? `${listener.family === 'IPv6' ? `[${listener.address}]` : listener.address}:${listener.port}` : null,
      destinations: (sender?.queueStatus() ?? []).map((q) => ({
        destination: q.destination,
        pending: q.pending,
        retry_interval_ms: q.retryIntervalMs,
        failing_since: q.failingSince,
      })),
    };
  }

  counts(): ServerCounts {
    const position = this.deps.eventsPosition.current();
    if (this.eventCount?.position !== position) this.eventCount = { position, count: this.stats.countEvents() };
    return { events: this.eventCount.count, rooms: this.deps.stores.rooms.countRooms(), users: this.deps.stores.users.countUsers() };
  }

  private streamPositions(): { events: number; device_lists: number } {
    return { events: this.deps.eventsPosition.current(), device_lists: this.deps.stores.streams.deviceLists.getCurrentToken() };
  }

  private databaseSize(): number {
    let size = 0;
    for (const suffix of ['', '-wal']) {
      try {
        size += statSync(this.deps.databasePath + suffix).size;
      } catch {
        // No write-ahead log right now (or a read-only copy): nothing to add.
      }
    }
    return size;
  }
}

function ratio(hits: number, misses: number): number | null {
  return hits + misses === 0 ? null : hits / (hits + misses);
}
