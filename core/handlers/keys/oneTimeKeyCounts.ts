/**
 * A device's unclaimed one-time keys per algorithm, as clients read them (`one_time_key_counts` of
 * /keys/upload, `device_one_time_keys_count` of /sync). `signed_curve25519` is always listed, zero included, as
 * Synapse does: clients top their keys up from that count and some treat a missing entry as "unknown".
 */
import type { OneTimeKeysStore } from '../../storage/databases/main/oneTimeKeysStore.ts';
import { SIGNED_CURVE25519 } from './oneTimeKeysValidation.ts';

export function oneTimeKeyCounts(store: OneTimeKeysStore, userId: string, deviceId: string): Record<string, number> {
  return { [SIGNED_CURVE25519]: 0, ...store.countOneTimeKeys(userId, deviceId) };
}
