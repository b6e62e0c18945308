/** Pushers registered through `/pushers/set` (m0011_pushers_and_reports.ts). */
import type { Database } from '../../engine/database.ts';
import type { JsonObject } from '../../../crypto/canonicalJson.ts';

export interface PusherRecord {
  readonly appId: string;
  readonly pushkey: string;
  readonly kind: string;
  readonly appDisplayName: string;
  readonly deviceDisplayName: string;
  readonly profileTag: string | null;
  readonly lang: string;
  readonly data: JsonObject;
}

interface Row {
  app_id: string;
  pushkey: string;
  kind: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  data_json: string;
}

export class PushersStore {
  constructor(private readonly db: Database) {}

  pushersOf(userId: string): PusherRecord[] {
    const rows = this.db.prepare('SELECT * FROM pushers WHERE user_id = ? ORDER BY created_ts, app_id, pushkey').all(userId) as Row[];
    return rows.map((r) => ({
      appId: r.app_id,
      pushkey: r.pushkey,
      kind: r.kind,
      appDisplayName: r.app_display_name,
      deviceDisplayName: r.device_display_name,
      profileTag: r.profile_tag,
      lang: r.lang,
      data: JSON.parse(r.data_json) as JsonObject,
    }));
  }

  /** Adds or replaces the user's pusher with this app ID and pushkey; without `append`, other users' pushers with them go. */
  upsert(userId: string, deviceId: string, pusher: PusherRecord, append: boolean, now: number): void {
    this.db.transaction(() => {
      if (!append) this.db.prepare('DELETE FROM pushers WHERE app_id = ? AND pushkey = ? AND user_id != ?').run(pusher.appId, pusher.pushkey, userId);
      this.db
        .prepare(
          `INSERT INTO pushers (user_id, app_id, pushkey, device_id, kind, app_display_name, device_display_name, profile_tag, lang, data_json, created_ts)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id, app_id, pushkey) DO UPDATE SET device_id = excluded.device_id, kind = excluded.kind,
             app_display_name = excluded.app_display_name, device_display_name = excluded.device_display_name,
             profile_tag = excluded.profile_tag, lang = excluded.lang, data_json = excluded.data_json`,
        )
        .run(userId, pusher.appId, pusher.pushkey, deviceId, pusher.kind, pusher.appDisplayName, pusher.deviceDisplayName, pusher.profileTag, pusher.lang, JSON.stringify(pusher.data), now);
    })();
  }

  delete(userId: string, appId: string, pushkey: string): boolean {
    return this.db.prepare('DELETE FROM pushers WHERE user_id = ? AND app_id = ? AND pushkey = ?').run(userId, appId, pushkey).changes > 0;
  }

  deleteAllOf(userId: string): void {
    this.db.prepare('DELETE FROM pushers WHERE user_id = ?').run(userId);
  }
}
