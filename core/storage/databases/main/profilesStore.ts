/** Local users' global profiles (display name and avatar), which member events copy. */
import type { Database } from '../../engine/database.ts';

export interface Profile {
  readonly displayName: string | null;
  readonly avatarUrl: string | null;
}

export class ProfilesStore {
  constructor(private readonly db: Database) {}

  getProfile(userId: string): Profile | null {
    const row = this.db.prepare('SELECT displayname, avatar_url FROM profiles WHERE user_id = ?').get(userId) as
      | { displayname: string | null; avatar_url: string | null }
      | undefined;
    return row ? { displayName: row.displayname, avatarUrl: row.avatar_url } : null;
  }

  setDisplayName(userId: string, displayName: string | null): void {
    this.db.prepare('INSERT INTO profiles (user_id, displayname) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET displayname = excluded.displayname').run(userId, displayName);
  }

  setAvatarUrl(userId: string, avatarUrl: string | null): void {
    this.db.prepare('INSERT INTO profiles (user_id, avatar_url) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET avatar_url = excluded.avatar_url').run(userId, avatarUrl);
  }
}
