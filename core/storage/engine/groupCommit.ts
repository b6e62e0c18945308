/**
 * Group commit: writes submitted in the same turn of the event loop run in one SQLite transaction, so that
 * concurrent event batches of different rooms share one fsync instead of paying one each. Each write runs in
 * its own savepoint: a write that throws rolls back alone and rejects alone; the others still commit.
 *
 * On a WAL database opened with `synchronous = FULL`, the fsync runs off the event loop (see walFileSync.ts): the
 * group commits unsynced and its writers hear back once the WAL is on disk, while the next group is being built.
 */
import type { Statement } from 'better-sqlite3';
import { isWritableWalFile, type Database } from './database.ts';
import { WalFileSync, type CommitSync } from './walFileSync.ts';

interface PendingWrite {
  readonly run: () => unknown;
  readonly onCommitted: ((value: unknown) => void) | undefined;
  /** Whether the writer waits for the commit's sync (deferred bookkeeping, redone after a crash, does not). */
  readonly awaitsSync: boolean;
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

  /** Null when COMMIT itself is as durable as the connection is configured to be (memory, rollback journal). */
  private readonly commitSync: CommitSync | null;
  private readonly unsyncedCommits: { readonly before: Statement; readonly after: Statement } | null;

  /** `commitSync` replaces the WAL fsync (tests); by default it is chosen from the connection's settings. */
  constructor(
    private readonly db: Database,
    options: { readonly commitSync?: CommitSync } = {},
  ) {
    const walWithFullSync = isWritableWalFile(db) && db.pragma('synchronous', { simple: true }) === 2;
    this.commitSync = options.commitSync ?? (walWithFullSync ? new WalFileSync(`${db.name}-wal`) : null);
    this.unsyncedCommits = walWithFullSync ? { before: db.prepare('PRAGMA synchronous = NORMAL'), after: db.prepare('PRAGMA synchronous = FULL') } : null;
  }

  /**
   * Runs `write` (synchronous SQL) in the next group transaction; resolves once that transaction is committed
   * and durable. `onCommitted` runs right after the COMMIT, before the fsync, for what must change together with
   * what other readers of the database now see (caches); what tells anybody about the write waits for the promise.
   */
  write<T>(write: () => T, onCommitted?: (value: T) => void): Promise<T> {
    const written = this.enqueue(write, onCommitted);
    this.schedule();
    return written;
  }

  /**
   * Like `write`, but starts no transaction of its own: it rides along with the next one that `write` or `hurry`
   * starts, or commits after at most `maxDelayMs`. For bookkeeping that can be redone after a crash (so needs no
   * commit of its own) and whose readers call `hurry` first. Resolves at the commit, without waiting for the sync:
   * a reader (a /sync counting notifications) needs to see the rows, and losing them only means redoing them.
   */
  writeDeferred<T>(write: () => T, maxDelayMs: number): Promise<T> {
    const written = this.enqueue(write, undefined, false);
    if (!this.scheduled && this.deferredTimer === null) this.deferredTimer = setTimeout(() => this.schedule(), maxDelayMs);
    return written;
  }

  /** Commits waiting deferred writes soon (somebody is about to read what they write). */
  hurry(): void {
    if (this.pending.length > 0) this.schedule();
  }

  private enqueue<T>(write: () => T, onCommitted?: (value: T) => void, awaitsSync = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, onCommitted: onCommitted as ((value: unknown) => void) | undefined, awaitsSync, resolve: resolve as (value: unknown) => void, reject });
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
    this.unsyncedCommits?.before.run();
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
    } finally {
      // Writes outside group commit (stores' own transactions) keep their fsync inside COMMIT.
      this.unsyncedCommits?.after.run();
    }
    this.stats.transactions++;
    this.stats.writes += batch.length;
    // The fsync starts first, so that the caches below are updated while the disk works.
    const synced = this.commitSync !== null && batch.some((item) => item.awaitsSync) ? this.commitSync.sync() : null;
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok || item.onCommitted === undefined) return;
      try {
        item.onCommitted(outcome.value);
      } catch (error) {
        outcomes[i] = { ok: false, error };
      }
    });
    const settle = (synced: boolean) =>
      batch.forEach((item, i) => {
        if (item.awaitsSync !== synced) return;
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    settle(false);
    // No sync to wait for: durable at the commit (or nothing here waits for it).
    if (synced === null) return settle(true);
    synced.then(
      () => settle(true),
      (error: unknown) => {
        // Committed but maybe not durable (a failing disk): no writer may be told its write is safe.
        for (const item of batch) if (item.awaitsSync) item.reject(error);
      },
    );
  }
}
