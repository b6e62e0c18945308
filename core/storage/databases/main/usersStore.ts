/** Local user accounts (the `users` and `profiles` tables). */
import type { Database } from '../../engine/database.ts';

export interface UserRecord {
  readonly userId: string;
  readonly passwordHash: string | null;
  readonly admin: boolean;
  readonly isGuest: boolean;
  readonly deactivated: boolean;
  /** Locked by a server admin: every request but logout is refused, the sessions are kept. */
  readonly locked: boolean;
  /** Suspended by a server admin: may read, not act in rooms. */
  readonly suspended: boolean;
  readonly creationTs: number;
}

interface UserRow {
  user_id: string;
  password_hash: string | null;
  admin: number;
  is_guest: number;
  deactivated: number;
  locked: number;
  suspended: number;
  creation_ts: number;
}

export interface NewUser {
  readonly userId: string;
  readonly passwordHash: string | null;
  readonly admin: boolean;
  readonly displayName: string | null;
  readonly creationTs: number;
}

export class UsersStore {
  constructor(private readonly db: Database) {}

  getUser(userId: string): UserRecord | null {
    const row = this.db.prepare('SELECT * FROM users WHERE user_id = ?').get(userId) as UserRow | undefined;
    return row ? toRecord(row) : null;
  }

  /** Case-insensitive lookup, for login with a differently-cased username. */
  findUserIgnoringCase(userId: string): UserRecord | null {
    const row = this.db.prepare('SELECT * FROM users WHERE lower(user_id) = lower(?) LIMIT 1').get(userId) as UserRow | undefined;
    return row ? toRecord(row) : null;
  }

  /** Inserts the user and its profile. Returns false (and writes nothing) when the user ID is taken. */
  createUser(user: NewUser): boolean {
    return this.db
      .transaction(() => {
        const inserted = this.db
          .prepare('INSERT OR IGNORE INTO users (user_id, password_hash, admin, creation_ts) VALUES (?, ?, ?, ?)')
          .run(user.userId, user.passwordHash, user.admin ? 1 : 0, user.creationTs);
        if (inserted.changes === 0) return false;
        this.db.prepare('INSERT OR REPLACE INTO profiles (user_id, displayname) VALUES (?, ?)').run(user.userId, user.displayName);
        return true;
      })
      .immediate();
  }

  setPasswordHash(userId: string, passwordHash: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE user_id = ?').run(passwordHash, userId);
  }

  setLocked(userId: string, locked: boolean): void {
    this.db.prepare('UPDATE users SET locked = ? WHERE user_id = ?').run(locked ? 1 : 0, userId);
  }

  setSuspended(userId: string, suspended: boolean): void {
    this.db.prepare('UPDATE users SET suspended = ? WHERE user_id = ?').run(suspended ? 1 : 0, userId);
  }

  countUsers(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }
}

function toRecord(row: UserRow): UserRecord {
  return {
    userId: row.user_id,
    passwordHash: row.password_hash,
    admin: row.admin === 1,
    isGuest: row.is_guest === 1,
    deactivated: row.deactivated === 1,
    locked: row.locked === 1,
    suspended: row.suspended === 1,
    creationTs: row.creation_ts,
  };
}
