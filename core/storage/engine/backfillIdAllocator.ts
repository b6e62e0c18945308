/**
 * Positions for backfilled history: negative stream orderings, counting down, so that history fetched later
 * sorts before everything live and never appears as new in an incremental /sync.
 */
import type { Database } from './database.ts';

export class BackfillIdAllocator {
  private lowest: number;

  constructor(db: Database) {
    const row = db.prepare('SELECT MIN(stream_ordering) AS m FROM events').get() as { m: number | null };
    this.lowest = Math.min(0, row.m ?? 0);
  }

  /** `count` new positions, each lower than any handed out before (highest first). */
  allocate(count: number): number[] {
    const ids = Array.from({ length: count }, (_, i) => this.lowest - 1 - i);
    this.lowest -= count;
    return ids;
  }
}
