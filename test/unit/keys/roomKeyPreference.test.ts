/** The spec's rule for which backed-up key of a session the server keeps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shouldReplaceRoomKey } from '../../../core/handlers/keyBackup/roomKeyPreference.ts';

const key = (isVerified: boolean, firstMessageIndex: number, forwardedCount: number) => ({ isVerified, firstMessageIndex, forwardedCount, sessionData: {} });

test('verified beats unverified, whatever the indexes', () => {
  assert.equal(shouldReplaceRoomKey(key(false, 0, 0), key(true, 100, 100)), true);
  assert.equal(shouldReplaceRoomKey(key(true, 100, 100), key(false, 0, 0)), false);
});

test('with the same verification, the lower first_message_index wins', () => {
  assert.equal(shouldReplaceRoomKey(key(true, 5, 0), key(true, 4, 9)), true);
  assert.equal(shouldReplaceRoomKey(key(false, 4, 9), key(false, 5, 0)), false);
});

test('then the lower forwarded_count wins; a full tie keeps the stored key', () => {
  assert.equal(shouldReplaceRoomKey(key(false, 5, 2), key(false, 5, 1)), true);
  assert.equal(shouldReplaceRoomKey(key(false, 5, 1), key(false, 5, 2)), false);
  assert.equal(shouldReplaceRoomKey(key(true, 5, 1), key(true, 5, 1)), false);
});
