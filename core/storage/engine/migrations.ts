/**
 * Numbered schema migrations. All pending migrations run in one transaction at start: if any fails, the
 * database is left exactly as it was (SQLite DDL is transactional) and the server refuses to start.
 */
import type { Database } from './database.ts';

export interface Migration {
  /** Strictly increasing, starting at 1. Never renumber or edit a released migration; add a new one. */
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

export function schemaVersion(db: Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_ts INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

export function applyMigrations(db: Database, migrations: readonly Migration[]): MigrationResult {
  checkOrder(migrations);
  const from = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (from > latest) {
    throw new MigrationError(`database schema is version ${from}, newer than this program knows (${latest}); refusing to start`);
  }
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length === 0) return { from, to: from, applied: [] };
  const record = db.prepare('INSERT INTO schema_version (version, applied_ts) VALUES (?, ?)');
  db.transaction(() => {
    for (const migration of pending) {
      try {
        migration.up(db);
      } catch (e) {
        throw new MigrationError(`migration ${migration.version} (${migration.name}) failed: ${(e as Error).message}`);
      }
      record.run(migration.version, Date.now());
    }
  }).immediate();
  return { from, to: latest, applied: pending.map((m) => `${m.version} ${m.name}`) };
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migration list out of order: position ${i + 1} holds version ${m.version}`);
  });
}
