/**
 * Stored filters (`POST/GET /user/{userId}/filter[/{filterId}]`) and the `filter` parameter of /sync, which is
 * either a stored filter's ID or inline JSON (told apart by a leading `{`). A user may only create and read
 * their own filters. Error codes follow Synapse: a bad inline filter is 400 M_NOT_JSON (unparseable) or
 * M_BAD_JSON (wrong shape), an unknown filter ID given to /sync is 400 M_INVALID_PARAM, and reading an unknown
 * filter is 404 M_NOT_FOUND.
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import type { FiltersStore } from '../../storage/databases/main/filtersStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { validateFilterDefinition } from './filterDefinition.ts';
import { SyncFilter } from './syncFilter.ts';

/** Filter IDs are decimal counters; anything else names no filter. */
const FILTER_ID = /^(0|[1-9]\d{0,15})$/;

export class FilterHandler {
  private readonly defaultFilter = new SyncFilter();

  constructor(private readonly filters: FiltersStore) {}

  /** Stores a filter for the requester; returns its ID. */
  createFilter(requester: Requester, userId: string, body: JsonObject): string {
    if (userId !== requester.userId) throw MatrixError.forbidden('Cannot create filters for other users');
    return String(this.filters.addFilter(userId, validateFilterDefinition(body) as JsonObject));
  }

  async getFilter(requester: Requester, userId: string, filterId: string): Promise<JsonObject> {
    if (userId !== requester.userId) throw MatrixError.forbidden('Cannot get filters for other users');
    const filter = FILTER_ID.test(filterId) ? await this.filters.getFilter(userId, Number(filterId)) : null;
    if (!filter) throw MatrixError.notFound('No such filter');
    return filter;
  }

  /** The filter a /sync request asked for: none, a stored filter's ID, or inline JSON. */
  async syncFilter(userId: string, parameter: string | null): Promise<SyncFilter> {
    if (parameter === null || parameter === '') return this.defaultFilter;
    if (parameter.startsWith('{')) {
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(parameter) as JsonValue;
      } catch {
        throw new MatrixError(400, 'M_NOT_JSON', 'Invalid filter JSON');
      }
      return new SyncFilter(validateFilterDefinition(parsed));
    }
    const stored = FILTER_ID.test(parameter) ? await this.filters.getFilter(userId, Number(parameter)) : null;
    if (!stored) throw MatrixError.invalidParam('No such filter');
    return new SyncFilter(validateFilterDefinition(stored));
  }
}
