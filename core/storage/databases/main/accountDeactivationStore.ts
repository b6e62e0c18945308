/**
 * Marking an account deactivated: it can no longer log in (its password is cleared) and its pushers go; with
 * `erase`, its profile too. Tokens are revoked by the handler (through the cache-invalidating path) and rooms
 * are left through events.
 */
import type { Database } from '../../engine/database.ts';

export class AccountDeactivationStore {
  constructor(private readonly db: Database) {}

  deactivate(userId: string, erase: boolean): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET deactivated = 1, password_hash = NULL WHERE user_id = ?').run(userId);
      this.db.prepare('DELETE FROM pushers WHERE user_id = ?').run(userId);
      if (erase) {
        this.db.prepare('UPDATE profiles SET displayname = NULL, avatar_url = NULL WHERE user_id = ?').run(userId);
        this.db.prepare('DELETE FROM profile_fields WHERE user_id = ?').run(userId);
      }
    })();
  }
}
