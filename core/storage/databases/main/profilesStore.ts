/**
 * Local users' global profiles: the display name and avatar (which member events copy) and the extended fields
 * (`m.tz` and custom keys, any JSON value).
 */
import type { Database } from '../../engine/database.ts';
import type { JsonObject, JsonValue } from '../../../crypto/canonicalJson.ts';

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

  /** The whole profile as clients and other servers see it: display name and avatar when set, and every extended field. */
  getFullProfile(userId: string): JsonObject {
    const profile = this.getProfile(userId);
    const full: JsonObject = {};
    if (profile?.displayName) full.displayname = profile.displayName;
    if (profile?.avatarUrl) full.avatar_url = profile.avatarUrl;
    const rows = this.db.prepare('SELECT field_name, value_json FROM profile_fields WHERE user_id = ? ORDER BY field_name').all(userId) as { field_name: string; value_json: string }[];
    for (const row of rows) full[row.field_name] = JSON.parse(row.value_json) as JsonValue;
    return full;
  }

  setField(userId: string, fieldName: string, value: JsonValue): void {
    this.db
      .prepare('INSERT INTO profile_fields (user_id, field_name, value_json) VALUES (?, ?, ?) ON CONFLICT (user_id, field_name) DO UPDATE SET value_json = excluded.value_json')
      .run(userId, fieldName, JSON.stringify(value));
  }

  deleteField(userId: string, fieldName: string): void {
    this.db.prepare('DELETE FROM profile_fields WHERE user_id = ? AND field_name = ?').run(userId, fieldName);
  }
}
