/**
 * Numbered schema migrations. All pending migrations run in one transaction at start: if any fails, the
 * database is left exactly as it was (SQLite DDL is transactional) and the server refuses to start.
 * A migration is pending when its version is not recorded, so numbers need not be contiguous (parallel work
 * may land them out of order); they must be unique and listed in increasing order.
 */
import type { Database } from './database.ts';

export interface Migration {
  /** Unique and increasing along the list. Never renumber or edit a released migration; add a new one. */
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
  return Math.max(0, ...appliedVersions(db));
}

function appliedVersions(db: Database): Set<number> {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_ts INTEGER NOT NULL)');
  return new Set(db.prepare('SELECT version FROM schema_version').pluck().all() as number[]);
}

export function applyMigrations(db: Database, migrations: readonly Migration[]): MigrationResult {
  checkOrder(migrations);
  const applied = appliedVersions(db);
  const from = Math.max(0, ...applied);
  const latest = migrations.at(-1)?.version ?? 0;
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new MigrationError(`database schema has migration ${Math.max(...unknown)}, which this program does not know (it knows up to ${latest}); refusing to start`);
  }
  const pending = migrations.filter((m) => !applied.has(m.version));
  if (pending.length === 0) return { from, to: Math.max(from, latest), applied: [] };
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
    const previous = i === 0 ? 0 : migrations[i - 1]!.version;
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new MigrationError(`migration list out of order: version ${m.version} follows ${previous}`);
    }
  });
}
