/**
 * /sync's `next_batch` / `since` token: the position of every stream /sync reads, as
 *   s<events>_<account_data>_<receipts>_<typing>_<presence>_<push_rules>_<to_device>_<device_lists>
 * e.g. `s123_4_5_0_7_2_0_0`. It starts with `s<events>_` on purpose: that prefix is a room pagination token
 * (roomPaginationToken.ts), so a sync token is also accepted as a /messages `from`/`to` (the spec's way to close
 * a gap between `since` and a limited timeline's `prev_batch`). Tokens are opaque to clients.
 */
import { MatrixError } from '../matrixError.ts';

/** The streams of a sync token, in token order. Streams without a source yet stay 0. */
export const SYNC_STREAMS = ['events', 'account_data', 'receipts', 'typing', 'presence', 'push_rules', 'to_device', 'device_lists'] as const;

export type SyncStreamName = (typeof SYNC_STREAMS)[number];

export type SyncToken = Readonly<Record<SyncStreamName, number>>;

const TOKEN = new RegExp(`^s(\\d+)${'_(\\d+)'.repeat(SYNC_STREAMS.length - 1)}$`);

export function encodeSyncToken(token: SyncToken): string {
  return `s${SYNC_STREAMS.map((stream) => token[stream]).join('_')}`;
}

/** Parses a `since` token; anything else is 400 M_INVALID_PARAM. */
export function parseSyncToken(text: string, parameter = 'since'): SyncToken {
  const match = TOKEN.exec(text);
  if (!match) throw MatrixError.invalidParam(`Invalid ${parameter} token`);
  const positions = match.slice(1).map(Number);
  if (!positions.every((p) => Number.isSafeInteger(p))) throw MatrixError.invalidParam(`Invalid ${parameter} token`);
  return Object.fromEntries(SYNC_STREAMS.map((stream, i) => [stream, positions[i]!])) as Record<SyncStreamName, number>;
}

/** Each stream at the lower of the two positions. */
export function minSyncToken(a: SyncToken, b: SyncToken): SyncToken {
  return Object.fromEntries(SYNC_STREAMS.map((stream) => [stream, Math.min(a[stream], b[stream])])) as Record<SyncStreamName, number>;
}
