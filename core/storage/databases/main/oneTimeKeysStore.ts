/**
 * One-time and fallback keys of devices. A one-time key is handed out at most once (claiming deletes it), in
 * upload order; a fallback key stays until replaced and is marked used once a claim handed it out.
 */
import type { Database } from '../../engine/database.ts';
import type { JsonObject, JsonValue } from '../../../crypto/canonicalJson.ts';

export interface StoredOneTimeKey {
  readonly algorithm: string;
  readonly keyId: string;
  /** Canonical JSON of the key (a string for unsigned keys, an object for signed ones). */
  readonly json: string;
}

/** A key handed out by a claim: its full ID (`<algorithm>:<key_id>`) and value. */
export interface ClaimedKey {
  readonly keyId: string;
  readonly key: JsonValue;
}

export class OneTimeKeysStore {
  constructor(private readonly db: Database) {}

  /** Canonical JSON of the stored one-time keys among `keys`, by `<algorithm>:<key_id>`. */
  getOneTimeKeys(userId: string, deviceId: string, keys: readonly { algorithm: string; keyId: string }[]): Map<string, string> {
    const found = new Map<string, string>();
    const select = this.db.prepare('SELECT key_json FROM e2e_one_time_keys_json WHERE user_id = ? AND device_id = ? AND algorithm = ? AND key_id = ?').pluck();
    for (const { algorithm, keyId } of keys) {
      const json = select.get(userId, deviceId, algorithm, keyId) as string | undefined;
      if (json !== undefined) found.set(`${algorithm}:${keyId}`, json);
    }
    return found;
  }

  addOneTimeKeys(userId: string, deviceId: string, now: number, keys: readonly StoredOneTimeKey[]): void {
    const insert = this.db.prepare('INSERT INTO e2e_one_time_keys_json (user_id, device_id, algorithm, key_id, ts_added_ms, key_json) VALUES (?, ?, ?, ?, ?, ?)');
    for (const key of keys) insert.run(userId, deviceId, key.algorithm, key.keyId, now, key.json);
  }

  /** Unclaimed one-time keys per algorithm. */
  countOneTimeKeys(userId: string, deviceId: string): Record<string, number> {
    const rows = this.db
      .prepare('SELECT algorithm, COUNT(*) AS n FROM e2e_one_time_keys_json WHERE user_id = ? AND device_id = ? GROUP BY algorithm')
      .all(userId, deviceId) as { algorithm: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.algorithm, r.n]));
  }

  /** Takes the oldest one-time key of `algorithm` (deleting it), or null when there is none. */
  claimOneTimeKey(userId: string, deviceId: string, algorithm: string): ClaimedKey | null {
    const row = this.db
      .prepare(
        `DELETE FROM e2e_one_time_keys_json WHERE id = (
           SELECT id FROM e2e_one_time_keys_json WHERE user_id = ? AND device_id = ? AND algorithm = ? ORDER BY id LIMIT 1
         ) RETURNING key_id, key_json`,
      )
      .get(userId, deviceId, algorithm) as { key_id: string; key_json: string } | undefined;
    return row ? { keyId: `${algorithm}:${row.key_id}`, key: JSON.parse(row.key_json) as JsonValue } : null;
  }

  /**
   * Sets the device's fallback key for `algorithm`. Uploading the key already stored changes nothing, so a key
   * that was used stays marked used.
   */
  setFallbackKey(userId: string, deviceId: string, algorithm: string, keyId: string, json: string): void {
    this.db
      .prepare(
        `INSERT INTO e2e_fallback_keys_json (user_id, device_id, algorithm, key_id, key_json, used) VALUES (?, ?, ?, ?, ?, 0)
         ON CONFLICT (user_id, device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, key_json = excluded.key_json, used = 0
         WHERE key_id <> excluded.key_id OR key_json <> excluded.key_json`,
      )
      .run(userId, deviceId, algorithm, keyId, json);
  }

  /** Hands out the fallback key of `algorithm` (marking it used), or null when the device has none. */
  claimFallbackKey(userId: string, deviceId: string, algorithm: string): ClaimedKey | null {
    const row = this.db
      .prepare('UPDATE e2e_fallback_keys_json SET used = 1 WHERE user_id = ? AND device_id = ? AND algorithm = ? RETURNING key_id, key_json')
      .get(userId, deviceId, algorithm) as { key_id: string; key_json: string } | undefined;
    return row ? { keyId: `${algorithm}:${row.key_id}`, key: JSON.parse(row.key_json) as JsonValue } : null;
  }

  /** Algorithms for which the device has a fallback key that no claim has handed out yet. */
  unusedFallbackKeyTypes(userId: string, deviceId: string): string[] {
    return this.db
      .prepare('SELECT algorithm FROM e2e_fallback_keys_json WHERE user_id = ? AND device_id = ? AND used = 0 ORDER BY algorithm')
      .pluck()
      .all(userId, deviceId) as string[];
  }

  /** The stored fallback key of `algorithm`, for tests and inspection. */
  getFallbackKey(userId: string, deviceId: string, algorithm: string): { keyId: string; key: JsonObject | string; used: boolean } | null {
    const row = this.db
      .prepare('SELECT key_id, key_json, used FROM e2e_fallback_keys_json WHERE user_id = ? AND device_id = ? AND algorithm = ?')
      .get(userId, deviceId, algorithm) as { key_id: string; key_json: string; used: number } | undefined;
    return row ? { keyId: row.key_id, key: JSON.parse(row.key_json) as JsonObject | string, used: row.used === 1 } : null;
  }

  deleteForDevice(userId: string, deviceId: string): void {
    this.db.prepare('DELETE FROM e2e_one_time_keys_json WHERE user_id = ? AND device_id = ?').run(userId, deviceId);
    this.db.prepare('DELETE FROM e2e_fallback_keys_json WHERE user_id = ? AND device_id = ?').run(userId, deviceId);
  }
}
