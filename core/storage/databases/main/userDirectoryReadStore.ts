/**
 * Who `/user_directory/search` may show a user: members of rooms the searcher is joined to, members of publicly
 * joinable rooms, and every active local account, each with the profile the directory shows (a local user's
 * own profile, else their display name and avatar in a room's member event).
 */
import type { Database } from '../../engine/database.ts';

export interface DirectoryEntry {
  readonly userId: string;
  readonly displayName: string | null;
  readonly avatarUrl: string | null;
}

export class UserDirectoryReadStore {
  constructor(
    private readonly db: Database,
    private readonly serverName: string,
  ) {}

  /** Every user visible to `searcher`, one entry each. */
  visibleUsers(searcher: string): DirectoryEntry[] {
    const members = this.db
      .prepare(
        `WITH visible_rooms AS (
           SELECT room_id FROM local_current_membership WHERE user_id = @searcher AND membership = 'join'
           UNION
           SELECT c.room_id FROM current_state_events c JOIN events e ON e.event_id = c.event_id JOIN event_json j ON j.stream_ordering = e.stream_ordering
           WHERE c.type = 'm.room.join_rules' AND c.state_key = '' AND json_extract(j.json, '$.content.join_rule') = 'public'
         )
         SELECT c.state_key AS user_id, m.display_name, m.avatar_url
         FROM current_state_events c JOIN room_memberships m ON m.event_id = c.event_id
         WHERE c.type = 'm.room.member' AND c.membership = 'join' AND c.room_id IN (SELECT room_id FROM visible_rooms)`,
      )
      .all({ searcher }) as { user_id: string; display_name: string | null; avatar_url: string | null }[];
    const locals = this.db
      .prepare('SELECT u.user_id, p.displayname AS display_name, p.avatar_url FROM users u LEFT JOIN profiles p USING (user_id) WHERE u.deactivated = 0')
      .all() as { user_id: string; display_name: string | null; avatar_url: string | null }[];
    const entries = new Map<string, DirectoryEntry>();
    // A local user's own profile beats what room member events say.
    for (const row of locals) entries.set(row.user_id, { userId: row.user_id, displayName: row.display_name, avatarUrl: row.avatar_url });
    const suffix = `:${this.serverName}`;
    for (const row of members) {
      if (entries.has(row.user_id) || row.user_id.endsWith(suffix)) continue;
      entries.set(row.user_id, { userId: row.user_id, displayName: row.display_name, avatarUrl: row.avatar_url });
    }
    return [...entries.values()];
  }
}
