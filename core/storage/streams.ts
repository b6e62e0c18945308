/**
 * The stream ID generators of this server, one per stream, each over every table that takes IDs from it
 * (SEED-BEHAVIOURS.md §3). A /sync token is a tuple of their positions.
 */
import type { Database } from './engine/database.ts';
import { StreamIdGenerator } from './engine/streamIdGenerator.ts';

export class Streams {
  /** Live events (positive stream orderings) and the current-state deltas recorded at them. */
  readonly events: StreamIdGenerator;
  /** Rows of the cache-invalidation stream. */
  readonly caches: StreamIdGenerator;
  readonly receipts: StreamIdGenerator;
  readonly accountData: StreamIdGenerator;
  /** Device-list changes, cross-signing signature changes and outbound pokes share one stream (§3). */
  readonly deviceLists: StreamIdGenerator;

  constructor(db: Database) {
    this.events = new StreamIdGenerator('events', db, [
      { table: 'events', column: 'stream_ordering' },
      { table: 'current_state_delta_stream', column: 'stream_id' },
    ]);
    this.caches = new StreamIdGenerator('caches', db, [{ table: 'cache_invalidation_stream', column: 'stream_id' }]);
    this.receipts = new StreamIdGenerator('receipts', db, [{ table: 'receipts_linearized', column: 'stream_id' }]);
    this.accountData = new StreamIdGenerator('account_data', db, [{ table: 'account_data', column: 'stream_id' }]);
    this.deviceLists = new StreamIdGenerator('device_lists', db, [
      { table: 'device_lists_stream', column: 'stream_id' },
      { table: 'user_signature_stream', column: 'stream_id' },
      { table: 'device_lists_outbound_pokes', column: 'stream_id' },
    ]);
  }
}
