/**
 * The stream ID generators of this server, one per stream, each over every table that takes IDs from it
 * (SEED-BEHAVIOURS.md §3). A /sync token is a tuple of their positions.
 */
import type { Database } from './engine/database.ts';
import { StreamIdGenerator } from './engine/streamIdGenerator.ts';
import { BackfillIdAllocator } from './engine/backfillIdAllocator.ts';

export class Streams {
  /** Live events (positive stream orderings) and the current-state deltas recorded at them. */
  readonly events: StreamIdGenerator;
  /** Negative positions for backfilled history. */
  readonly backfill: BackfillIdAllocator;
  /** Rows of the cache-invalidation stream. */
  readonly caches: StreamIdGenerator;
  readonly receipts: StreamIdGenerator;
  readonly accountData: StreamIdGenerator;
  /** Presence changes: each user's row carries the position of its latest change. */
  readonly presence: StreamIdGenerator;
  /** Device-list changes, cross-signing signature changes and outbound pokes share one stream (§3). */
  readonly deviceLists: StreamIdGenerator;
  /** Push rule changes, one row per change of a user's rules (for `m.push_rules` in /sync). */
  readonly pushRules: StreamIdGenerator;
  /** To-device messages: one ID per send, shared by the inbox rows it writes (one per recipient device). */
  readonly toDevice: StreamIdGenerator;

  constructor(db: Database) {
    this.events = new StreamIdGenerator('events', db, [
      { table: 'events', column: 'stream_ordering' },
      { table: 'current_state_delta_stream', column: 'stream_id' },
    ]);
    this.backfill = new BackfillIdAllocator(db);
    this.caches = new StreamIdGenerator('caches', db, [{ table: 'cache_invalidation_stream', column: 'stream_id' }]);
    this.receipts = new StreamIdGenerator('receipts', db, [{ table: 'receipts_linearized', column: 'stream_id' }]);
    this.accountData = new StreamIdGenerator('account_data', db, [{ table: 'account_data', column: 'stream_id' }]);
    this.presence = new StreamIdGenerator('presence', db, [{ table: 'presence_stream', column: 'stream_id' }]);
    this.deviceLists = new StreamIdGenerator('device_lists', db, [
      { table: 'device_lists_stream', column: 'stream_id' },
      { table: 'user_signature_stream', column: 'stream_id' },
      { table: 'device_lists_outbound_pokes', column: 'stream_id' },
    ]);
    this.pushRules = new StreamIdGenerator('push_rules', db, [{ table: 'push_rules_stream', column: 'stream_id' }]);
    // Inbox rows are deleted once acknowledged; the position table remembers the highest ID ever handed out.
    this.toDevice = new StreamIdGenerator('to_device', db, [
      { table: 'device_inbox', column: 'stream_id' },
      { table: 'device_inbox_stream_position', column: 'stream_id' },
    ]);
  }
}
