/** Sync tokens: round trips, strict parsing, and their prefix being a room pagination token. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSyncToken, minSyncToken, parseSyncToken, SYNC_STREAMS, type SyncToken } from '../../../core/handlers/sync/syncToken.ts';
import { parseRoomToken } from '../../../core/handlers/events/roomPaginationToken.ts';
import { MatrixError } from '../../../core/handlers/matrixError.ts';

const token: SyncToken = { events: 123, account_data: 4, receipts: 5, typing: 0, presence: 7, push_rules: 2, to_device: 0, device_lists: 9 };

test('a sync token is s<events>_ followed by the other streams, and parses back', () => {
  assert.deepEqual([...SYNC_STREAMS], ['events', 'account_data', 'receipts', 'typing', 'presence', 'push_rules', 'to_device', 'device_lists']);
  assert.equal(encodeSyncToken(token), 's123_4_5_0_7_2_0_9');
  assert.deepEqual(parseSyncToken('s123_4_5_0_7_2_0_9'), token);
});

test('a sync token is accepted where a room pagination token is, at its events position', () => {
  assert.deepEqual(parseRoomToken(encodeSyncToken(token)), { stream: 123, topological: null });
});

test('anything else is 400 M_INVALID_PARAM', () => {
  for (const bad of ['', 's', 's1_2', 's1_2_3_4_5_6_7', 's1_2_3_4_5_6_7_8_9', 'x1_2_3_4_5_6_7_8', 's1_2_3_4_5_6_7_-8', 's1.5_2_3_4_5_6_7_8', ' s1_2_3_4_5_6_7_8', 't1-2']) {
    assert.throws(
      () => parseSyncToken(bad),
      (e: unknown) => e instanceof MatrixError && e.status === 400 && e.errcode === 'M_INVALID_PARAM',
      bad,
    );
  }
  assert.throws(() => parseSyncToken(`s${'9'.repeat(20)}_0_0_0_0_0_0_0`), MatrixError);
});

test('minSyncToken takes the lower position of each stream', () => {
  const other: SyncToken = { ...token, events: 100, typing: 3 };
  assert.deepEqual(minSyncToken(token, other), { ...token, events: 100 });
});
