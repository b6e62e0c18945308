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
import { open } from 'node:fs/promises';

/** The durability step after a commit: resolves once everything committed before the call is on disk. */
export interface CommitSync {
  sync(): Promise<void>;
}

export class WalFileSync implements CommitSync {
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

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
    let file;
    try {
      file = await open(this.walPath, 'r+');
    } catch (e) {
      // No WAL file: SQLite checkpointed it into the database (syncing that) and removed it as it closed.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  }
}
