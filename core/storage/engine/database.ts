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
  // A larger page cache (64 MiB, the default is 2 MiB) keeps the hot indexes of events and state in memory.
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  cachePreparedStatements(db);
  return db;
}

/** Most distinct SQL texts kept prepared per connection; beyond it the cache starts over. */
const MAX_CACHED_STATEMENTS = 2_000;

/**
 * Preparing a statement costs far more than running it, and stores prepare the same SQL on every call, so
 * `prepare` hands back the statement prepared before for the same text. Safe because statements here are run
 * to completion (`run`/`get`/`all`, never a pending `iterate`), and the pluck mode a previous caller set is reset.
 */
function cachePreparedStatements(db: Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      cache.set(sql, statement);
    } else if (statement.reader) {
      statement.pluck(false);
    }
    return statement;
  }) as typeof db.prepare;
}

/** A writable file database in WAL mode: the only kind with a WAL to sync or checkpoint. */
export function isWritableWalFile(db: Database): boolean {
  return !db.memory && !db.readonly && db.pragma('journal_mode', { simple: true }) === 'wal';
}

/** Runs `fn` in an immediate write transaction (taking the write lock up front avoids upgrade deadlocks). */
export function writeTransaction<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
