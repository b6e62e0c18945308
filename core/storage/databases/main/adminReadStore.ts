/**
 * Whole-server reads for the desktop admin pages that no other store keeps: how many events are stored, and
 * which local accounts exist (the device-lists page shows each one's devices).
 */
import type { Database } from '../../engine/database.ts';

export interface LocalAccount {
  readonly userId: string;
  readonly admin: boolean;
  readonly deactivated: boolean;
}

export class AdminReadStore {
  constructor(private readonly db: Database) {}

  /** Every stored event, outliers and backfilled history included. */
  countEvents(): number {
    return this.db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
  }

  /** Local accounts, admins first, then in creation order; at most `limit`. */
  localAccounts(limit: number): LocalAccount[] {
    const rows = this.db
      .prepare('SELECT user_id, admin, deactivated FROM users WHERE is_guest = 0 ORDER BY admin DESC, creation_ts, user_id LIMIT ?')
      .all(limit) as { user_id: string; admin: number; deactivated: number }[];
    return rows.map((r) => ({ userId: r.user_id, admin: r.admin === 1, deactivated: r.deactivated === 1 }));
  }
}
