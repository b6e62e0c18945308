/**
 * Opens the SQLite database through better-sqlite3 with the settings every connection needs: WAL (readers
 * never block the writer, and CLI commands can work while a server runs), a busy timeout for the moments two
 * processes write, and full fsync so an event whose persistence returned is on disk.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Database = BetterSqlite3.Database;

export interface OpenDatabaseOptions {
  readonly readonly?: boolean;
  /** Milliseconds to wait for another connection's write lock before failing with SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
  /** `FULL` (default): durable on power loss. `NORMAL`: durable on process crash only. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path, { readonly: options.readonly ?? false });
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  }
  db.pragma('foreign_keys = ON');
  return db;
}

/** Runs `fn` in an immediate write transaction (taking the write lock up front avoids upgrade deadlocks). */
export function writeTransaction<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
