/**
 * Group commit: writes submitted in the same turn of the event loop run in one SQLite transaction, so that
 * concurrent event batches of different rooms share one fsync instead of paying one each. Each write runs in
 * its own savepoint: a write that throws rolls back alone and rejects alone; the others still commit.
 */
import type { Database } from './database.ts';

interface PendingWrite {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommitter {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  /** Starts a transaction for deferred writes that no other write has carried in time. */
  private deferredTimer: NodeJS.Timeout | null = null;
  /** Transactions committed and writes carried, for the health page and benchmarks. */
  readonly stats = { transactions: 0, writes: 0 };

  constructor(private readonly db: Database) {}

  /** Runs `write` (synchronous SQL) in the next group transaction; resolves once that transaction committed. */
  write<T>(write: () => T): Promise<T> {
    const written = this.enqueue(write);
    this.schedule();
    return written;
  }

  /**
   * Like `write`, but starts no transaction of its own: it rides along with the next one that `write` or `hurry`
   * starts, or commits after at most `maxDelayMs`. For bookkeeping that can be redone after a crash (so needs no
   * commit of its own) and whose readers call `hurry` first.
   */
  writeDeferred<T>(write: () => T, maxDelayMs: number): Promise<T> {
    const written = this.enqueue(write);
    if (!this.scheduled && this.deferredTimer === null) this.deferredTimer = setTimeout(() => this.schedule(), maxDelayMs);
    return written;
  }

  /** Commits waiting deferred writes soon (somebody is about to read what they write). */
  hurry(): void {
    if (this.pending.length > 0) this.schedule();
  }

  private enqueue<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate rather than a microtask: requests whose I/O is already waiting get to join the group.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.deferredTimer !== null) clearTimeout(this.deferredTimer);
    this.deferredTimer = null;
    const batch = this.pending;
    this.pending = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db
        .transaction(() => {
          for (const item of batch) {
            try {
              // A nested better-sqlite3 transaction is a savepoint: on a throw only this write is undone.
              outcomes.push({ ok: true, value: this.db.transaction(item.run)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // The commit itself failed: nothing of the group is on disk.
      for (const item of batch) item.reject(error);
      return;
    }
    this.stats.transactions++;
    this.stats.writes += batch.length;
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
