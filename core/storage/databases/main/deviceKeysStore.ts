/**
 * Devices' identity keys (`e2e_device_keys_json`): the signed object a device uploads through /keys/upload,
 * stored as canonical JSON and handed back unchanged by /keys/query.
 */
import type { Database } from '../../engine/database.ts';
import { canonicalJson, type JsonObject } from '../../../crypto/canonicalJson.ts';

/** A device's keys as /keys/query reads them: only devices that still exist, with their display name. */
export interface QueriedDeviceKeys {
  readonly deviceId: string;
  readonly keys: JsonObject;
  readonly displayName: string | null;
}

export class DeviceKeysStore {
  constructor(private readonly db: Database) {}

  getDeviceKeys(userId: string, deviceId: string): JsonObject | null {
    const json = this.db.prepare('SELECT key_json FROM e2e_device_keys_json WHERE user_id = ? AND device_id = ?').pluck().get(userId, deviceId) as string | undefined;
    return json === undefined ? null : (JSON.parse(json) as JsonObject);
  }

  /** Stores the keys; returns false (and writes nothing) when they are exactly the ones stored already. */
  setDeviceKeys(userId: string, deviceId: string, keys: JsonObject, now: number): boolean {
    const json = canonicalJson(keys);
    const existing = this.db.prepare('SELECT key_json FROM e2e_device_keys_json WHERE user_id = ? AND device_id = ?').pluck().get(userId, deviceId);
    if (existing === json) return false;
    this.db
      .prepare(
        `INSERT INTO e2e_device_keys_json (user_id, device_id, ts_added_ms, key_json) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, device_id) DO UPDATE SET ts_added_ms = excluded.ts_added_ms, key_json = excluded.key_json`,
      )
      .run(userId, deviceId, now, json);
    return true;
  }

  /** Keys of the user's existing devices (all of them when `deviceIds` is null), ordered by device ID. */
  queryDeviceKeys(userId: string, deviceIds: readonly string[] | null): QueriedDeviceKeys[] {
    const rows = (
      deviceIds === null
        ? this.db
            .prepare(
              `SELECT k.device_id, k.key_json, d.display_name FROM e2e_device_keys_json k
               JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id
               WHERE k.user_id = ? AND d.hidden = 0 ORDER BY k.device_id`,
            )
            .all(userId)
        : this.db
            .prepare(
              `SELECT k.device_id, k.key_json, d.display_name FROM e2e_device_keys_json k
               JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id
               WHERE k.user_id = ? AND d.hidden = 0 AND k.device_id IN (SELECT value FROM json_each(?)) ORDER BY k.device_id`,
            )
            .all(userId, JSON.stringify(deviceIds))
    ) as { device_id: string; key_json: string; display_name: string | null }[];
    return rows.map((r) => ({ deviceId: r.device_id, keys: JSON.parse(r.key_json) as JsonObject, displayName: r.display_name }));
  }

  /** Device IDs of the user that have identity keys. */
  deviceIdsWithKeys(userId: string): string[] {
    return this.db.prepare('SELECT device_id FROM e2e_device_keys_json WHERE user_id = ? ORDER BY device_id').pluck().all(userId) as string[];
  }

  deleteForDevice(userId: string, deviceId: string): void {
    this.db.prepare('DELETE FROM e2e_device_keys_json WHERE user_id = ? AND device_id = ?').run(userId, deviceId);
  }
}
