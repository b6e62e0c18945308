/**
 * How streams /sync does not own add their part of a response, each in its own slot of the sync token: push rules
 * (`m.push_rules` account data, the `push_rules` slot), to-device messages (`to_device`, the `to_device` slot),
 * device-list changes and key counts (`device_lists`, `device_one_time_keys_count`, the `device_lists` slot).
 * A source wakes waiting syncs with `notifier.notifyUsers('<slot>', position, userIds)` once `position` is its
 * current position.
 */
import type { SyncFilter } from './syncFilter.ts';
import type { SyncResponse } from './syncResponse.ts';

/** The sync token slots that stream sources fill. */
export type SyncSourceStream = 'push_rules' | 'to_device' | 'device_lists';

export interface SyncStreamContext {
  readonly userId: string;
  readonly deviceId: string;
  /** The stream position the client already has (its `since`), or null on an initial sync. */
  readonly from: number | null;
  /** The stream position this response covers up to (what its `next_batch` carries). */
  readonly to: number;
  /** Rooms the user is joined to in this response's view. */
  readonly joinedRoomIds: readonly string[];
  /** Rooms joined, and rooms left, since `from` (empty on an initial sync). */
  readonly newlyJoinedRoomIds: readonly string[];
  readonly newlyLeftRoomIds: readonly string[];
  /** The request's filter (e.g. for `account_data` types). */
  readonly filter: SyncFilter;
}

/** A stream source covered (from, upTo] only, upTo < to: always news (the client must come back at once). */
export interface PartialSync {
  readonly upTo: number;
}

export interface SyncStreamSource {
  /** The stream's current position: the one a new `next_batch` carries. */
  currentPosition(): number;
  /**
   * Adds this stream's part to `response` for (from, to]. Returns true when it added news, so that a waiting
   * /sync answers now (key counts that are always sent are not news); or, when it could add only part of the
   * stream (a per-response limit), a PartialSync with the position it covered, which `next_batch` then carries
   * so that the client's next /sync gets the rest.
   */
  addToSync(context: SyncStreamContext, response: SyncResponse): Promise<boolean | PartialSync>;
}
