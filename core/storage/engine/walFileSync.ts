/**
 * Makes committed WAL transactions durable with an fsync that runs on libuv's thread pool instead of inside
 * SQLite's COMMIT on the event loop. With `synchronous = FULL` SQLite fsyncs the WAL in every COMMIT, and on the
 * machines we measured that fsync blocks the event loop for 3–6 ms, a third of the time of a round of 20 sends.
 *
 * A group transaction commits with `synchronous = NORMAL` (written to the WAL, not yet synced); the committer then
 * awaits `sync()` before telling any writer its write is done. fsync works on the file, not on the descriptor,
 * so syncing through our own descriptor covers what SQLite wrote through its own. The WAL's frame checksums make
 * recovery stop at the first frame that did not reach the disk, so after a power loss the database holds a
 * prefix of the commits and every commit a writer was told about.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** An open WAL descriptor saves two thread-pool round trips per sync; it is closed after this long unused. */
const IDLE_CLOSE_MS = 2_000;

/** The durability step after a commit: resolves once everything committed before the call is on disk. */
export interface CommitSync {
  sync(): Promise<void>;
}

export class WalFileSync implements CommitSync {
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private file: FileHandle | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly walPath: string) {}

  /**
   * Syncs the WAL. Calls that arrive while an fsync runs share the next one (that fsync may have started before
   * their commit wrote its frames), so a burst of commits costs at most two fsyncs, not one each.
   */
  sync(): Promise<void> {
    if (this.inFlight === null) {
      this.inFlight = this.fsync().finally(() => (this.inFlight = null));
      return this.inFlight;
    }
    this.queued ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.sync();
      });
    return this.queued;
  }

  private async fsync(): Promise<void> {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.file === null) {
      try {
        this.file = await open(this.walPath, 'r+');
      } catch (e) {
        // No WAL file: SQLite checkpointed it into the database (syncing that) and removed it as it closed.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
    }
    try {
      // fdatasync: the frames and the file's length, not its timestamps (SQLite syncs the WAL the same way).
      await this.file.datasync();
    } finally {
      this.idleTimer = setTimeout(() => this.closeIdle(), IDLE_CLOSE_MS).unref();
    }
  }

  /** Closed when unused, so that a database closed and removed does not keep its WAL's inode open for long. */
  private closeIdle(): void {
    this.idleTimer = null;
    if (this.inFlight !== null || this.file === null) return;
    const file = this.file;
    this.file = null;
    void file.close().catch(() => undefined);
  }
}
