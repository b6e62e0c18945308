/**
 * The data directory: the SQLite database and the server's signing key. Opening it applies migrations and
 * pins the server name: it is fixed at first start, and a later start with another name is refused, because
 * every stored ID and signature depends on it.
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadOrCreateSigningKey, type SigningKey } from '../crypto/signingKey.ts';
import { openDatabase, type Database } from './engine/database.ts';
import { applyMigrations, type Migration } from './engine/migrations.ts';
import { MAIN_MIGRATIONS } from './schema/mainMigrations.ts';
import { WalCheckpointer, type WalCheckpointerOptions } from './engine/walCheckpointer.ts';

export const DATABASE_FILE = 'homeserver.db';
export const SIGNING_KEY_FILE = 'signing.key';

export interface DataDirectory {
  readonly path: string;
  readonly databasePath: string;
  readonly db: Database;
  readonly serverName: string;
  readonly signingKey: SigningKey;
  close(): void;
}

export class DataDirectoryError extends Error {
  override readonly name = 'DataDirectoryError';
}

export interface OpenDataDirectoryOptions {
  /** The configured server name; null to use the one stored in the directory (or `fallbackServerName` if new). */
  readonly serverName: string | null;
  readonly fallbackServerName?: string;
  /** The schema to apply; the homeserver's by default (the relay service keeps its own, core/relay/schema/). */
  readonly migrations?: readonly Migration[];
  /** The database file's name inside the directory; `homeserver.db` by default. */
  readonly databaseFile?: string;
  /** Checkpoint the WAL from a worker thread (long-running servers; see engine/walCheckpointer.ts). */
  readonly backgroundCheckpoints?: WalCheckpointerOptions;
}

export function openDataDirectory(dir: string, options: OpenDataDirectoryOptions): DataDirectory {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const databasePath = join(path, options.databaseFile ?? DATABASE_FILE);
  const db = openDatabase(databasePath);
  try {
    applyMigrations(db, options.migrations ?? MAIN_MIGRATIONS);
    const serverName = pinServerName(db, options.serverName, options.fallbackServerName ?? 'localhost');
    const signingKey = loadOrCreateSigningKey(join(path, SIGNING_KEY_FILE));
    const checkpointer = options.backgroundCheckpoints ? WalCheckpointer.start(db, options.backgroundCheckpoints) : null;
    const close = () => {
      checkpointer?.close();
      db.close();
    };
    return { path, databasePath, db, serverName, signingKey, close };
  } catch (e) {
    db.close();
    throw e;
  }
}

function pinServerName(db: Database, configured: string | null, fallback: string): string {
  const row = db.prepare("SELECT value FROM server_identity WHERE key = 'server_name'").get() as { value: string } | undefined;
  if (row) {
    if (configured !== null && configured !== row.value) {
      throw new DataDirectoryError(
        `this data directory belongs to server "${row.value}"; refusing to run it as "${configured}" (server names cannot change)`,
      );
    }
    return row.value;
  }
  const name = configured ?? fallback;
  db.prepare("INSERT INTO server_identity (key, value) VALUES ('server_name', ?)").run(name);
  return name;
}
