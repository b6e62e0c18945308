import type { Migration } from '../engine/migrations.ts';

/**
 * Extended profile fields (`m.tz` and custom keys, spec v1.16): any JSON value per key. The display name and
 * avatar stay in `profiles`, where member events and the user directory read them.
 */
export const m0014ProfileFields: Migration = {
  version: 14,
  name: 'profile_fields',
  up(db) {
    db.exec(`
      CREATE TABLE profile_fields (
        user_id TEXT NOT NULL,
        field_name TEXT NOT NULL,
        value_json TEXT NOT NULL,
        PRIMARY KEY (user_id, field_name)
      );
    `);
  },
};
