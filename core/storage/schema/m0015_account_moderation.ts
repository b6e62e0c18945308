import type { Migration } from '../engine/migrations.ts';

/**
 * Account moderation (spec v1.12 locking, v1.13 suspension): reversible flags on a local account that server
 * admins set. A locked account can do nothing but log out; a suspended one can read but not act in rooms.
 */
export const m0015AccountModeration: Migration = {
  version: 15,
  name: 'account_moderation',
  up(db) {
    db.exec(`
      ALTER TABLE users ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE users ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
    `);
  },
};
