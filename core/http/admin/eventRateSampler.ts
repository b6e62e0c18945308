/**
 * Events persisted per second, for the health page's chart: once a second it reads the events stream position
 * (which advances by one per persisted event) and keeps the last minute of rates. Listeners hear every sample;
 * the live-updates stream turns them into health ticks, so one timer drives both.
 */
import type { StreamPosition } from '../../replication/streamPosition.ts';
import type { EventRateSample } from './adminApiTypes.ts';

export interface EventRateSamplerOptions {
  readonly intervalMs?: number;
  /** How many samples to keep. */
  readonly keep?: number;
  readonly now?: () => number;
}

export class EventRateSampler {
  private readonly samples: EventRateSample[] = [];
  private readonly listeners = new Set<(sample: EventRateSample) => void>();
  private readonly intervalMs: number;
  private readonly keep: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private lastPosition: number;
  private lastTs: number;

  constructor(
    private readonly events: StreamPosition,
    options: EventRateSamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.keep = options.keep ?? 60;
    this.now = options.now ?? Date.now;
    this.lastPosition = events.current();
    this.lastTs = this.now();
  }

  start(): void {
    if (this.timer) return;
    this.lastPosition = this.events.current();
    this.lastTs = this.now();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    // The sampler must never keep a stopping process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** Takes a sample now (the timer calls this). */
  sample(): EventRateSample {
    const ts = this.now();
    const position = this.events.current();
    const seconds = Math.max((ts - this.lastTs) / 1000, 0.001);
    const sample: EventRateSample = { ts, events_per_second: Math.max(0, position - this.lastPosition) / seconds };
    this.lastPosition = position;
    this.lastTs = ts;
    this.samples.push(sample);
    if (this.samples.length > this.keep) this.samples.shift();
    for (const listener of [...this.listeners]) listener(sample);
    return sample;
  }

  recent(): readonly EventRateSample[] {
    return [...this.samples];
  }

  latestRate(): number {
    return this.samples.at(-1)?.events_per_second ?? 0;
  }

  onSample(listener: (sample: EventRateSample) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
