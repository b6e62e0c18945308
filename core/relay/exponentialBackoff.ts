/**
 * Delays between reconnection attempts: `initialMs`, doubling up to `maxMs`, each spread by ±`jitter` (a
 * fraction) so that tenants cut off together by a relay restart do not all come back in the same instant.
 * `reset()` after a connection that worked.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** 0.2 spreads each delay over ±20%. */
  readonly jitter?: number;
  /** A number in [0, 1); injected by tests for exact delays. */
  readonly random?: () => number;
}

export class ExponentialBackoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt (and counts it). */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    if (base < this.options.maxMs) this.attempt++;
    const jitter = this.options.jitter ?? 0.2;
    const spread = 1 + jitter * (2 * (this.options.random ?? Math.random)() - 1);
    return Math.round(base * spread);
  }

  reset(): void {
    this.attempt = 0;
  }
}
