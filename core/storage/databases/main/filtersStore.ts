/**
 * Filters users upload for /sync (`POST /user/{userId}/filter`). IDs count up per user from 0; a stored filter
 * never changes, so reads are cached without invalidation, and uploading a filter identical to a stored one
 * returns the existing ID (clients re-upload their filter on every start).
 */
import type { Database } from '../../engine/database.ts';
import type { CacheRegistry } from '../../cache/cacheRegistry.ts';
import type { CachedFunction } from '../../cache/cachedFunction.ts';
import { canonicalJson, type JsonObject } from '../../../crypto/canonicalJson.ts';

export class FiltersStore {
  /** The filter as uploaded, or null when the user has no filter with that ID. */
  readonly getFilter: CachedFunction<[userId: string, filterId: number], JsonObject | null>;

  constructor(
    private readonly db: Database,
    caches: CacheRegistry,
  ) {
    this.getFilter = caches.cached({ name: 'getUserFilter', maxEntries: 1_000 }, (userId: string, filterId: number): JsonObject | null => {
      const json = this.db.prepare('SELECT filter_json FROM user_filters WHERE user_id = ? AND filter_id = ?').pluck().get(userId, filterId) as
        | string
        | undefined;
      return json === undefined ? null : (JSON.parse(json) as JsonObject);
    });
  }

  /** Stores a filter and returns its ID (the existing one for an identical filter). */
  addFilter(userId: string, filter: JsonObject): number {
    const json = canonicalJson(filter, { lenientNumbers: true });
    return this.db
      .transaction(() => {
        const existing = this.db.prepare('SELECT filter_id FROM user_filters WHERE user_id = ? AND filter_json = ?').pluck().get(userId, json) as
          | number
          | undefined;
        if (existing !== undefined) return existing;
        const next = this.db.prepare('SELECT COALESCE(MAX(filter_id) + 1, 0) FROM user_filters WHERE user_id = ?').pluck().get(userId) as number;
        this.db.prepare('INSERT INTO user_filters (user_id, filter_id, filter_json) VALUES (?, ?, ?)').run(userId, next, json);
        return next;
      })
      .immediate();
  }
}
