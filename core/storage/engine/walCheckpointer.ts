/**
 * Checkpoints the WAL from a worker thread with its own connection, so that copying pages into the database
 * file and its two fsyncs happen beside the event loop instead of inside whichever COMMIT crossed SQLite's
 * auto-checkpoint threshold (measured: about 13 ms every third group commit of 20 sends).
 *
 * The worker polls `PRAGMA data_version` (which changes when another connection commits) and runs a PASSIVE
 * checkpoint, which never blocks readers or writers, when something was committed. The writing connection keeps
 * a much higher auto-checkpoint threshold as a safety net for when the worker falls behind or fails.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { isWritableWalFile, type Database } from './database.ts';

/** Plain CommonJS run with `eval`, so that it needs no file of its own next to a bundled main process. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = FULL');
let seen = null;
const tick = () => {
  try {
    const version = db.pragma('data_version', { simple: true });
    if (version === seen) return;
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // Only a complete checkpoint settles this version; otherwise try again on the next tick.
    if (result.busy === 0 && result.log === result.checkpointed) seen = version;
    parentPort.postMessage({ type: 'checkpointed', frames: result.checkpointed, complete: seen === version });
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String((e && e.message) || e) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** SQLite's default threshold (1000 pages) would fire long before the worker's next look. */
const SAFETY_NET_PAGES = 10_000;
const DEFAULT_INTERVAL_MS = 250;

export interface WalCheckpointerOptions {
  /** How often the worker looks for new commits. */
  readonly intervalMs?: number;
  /** Told about checkpoints that failed and a worker that died (then the writing connection checkpoints again). */
  readonly onError?: (message: string) => void;
  /** Where the worker loads better-sqlite3 from; by default where this module resolves it. */
  readonly driverPath?: string;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private closed = false;
  /** For the health page and tests. */
  readonly stats = { checkpoints: 0, complete: 0, framesCheckpointed: 0, lastError: null as string | null };

  private constructor(
    private readonly db: Database,
    options: WalCheckpointerOptions,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: options.driverPath ?? createRequire(import.meta.url).resolve('better-sqlite3'), path: db.name, intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS },
    });
    // A background helper: it must never keep the process alive.
    this.worker.unref();
    this.worker.on('message', (message: { type: 'checkpointed'; frames: number; complete: boolean } | { type: 'error'; message: string }) => {
      if (message.type === 'checkpointed') {
        this.stats.checkpoints++;
        if (message.complete) this.stats.complete++;
        this.stats.framesCheckpointed += message.frames;
      } else {
        this.stats.lastError = message.message;
        options.onError?.(`background WAL checkpoint failed: ${message.message}`);
      }
    });
    this.worker.on('error', (error) => {
      if (this.closed) return;
      this.stats.lastError = error.message;
      options.onError?.(`background WAL checkpointer stopped: ${error.message}`);
      this.restoreForegroundCheckpoints();
    });
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  }

  /** Starts one for a file database in WAL mode; null for any other (nothing to checkpoint). */
  static start(db: Database, options: WalCheckpointerOptions = {}): WalCheckpointer | null {
    if (!isWritableWalFile(db)) return null;
    return new WalCheckpointer(db, options);
  }

  /** Stops the worker (which closes its connection); call before closing the writing connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage('close');
    this.restoreForegroundCheckpoints();
  }

  private restoreForegroundCheckpoints(): void {
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }
}
