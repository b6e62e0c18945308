/**
 * Which of two backed-up keys of the same session the server keeps (end-to-end encryption module,
 * "Server-side key backups"): the verified one; else the one that decrypts from an earlier message (lower
 * `first_message_index`); else the one forwarded fewer times. On a full tie the stored key stays.
 */
import type { BackedUpRoomKey } from '../../storage/databases/main/keyBackupStore.ts';

export function shouldReplaceRoomKey(existing: BackedUpRoomKey, candidate: BackedUpRoomKey): boolean {
  if (existing.isVerified !== candidate.isVerified) return candidate.isVerified;
  if (existing.firstMessageIndex !== candidate.firstMessageIndex) return candidate.firstMessageIndex < existing.firstMessageIndex;
  return candidate.forwardedCount < existing.forwardedCount;
}
