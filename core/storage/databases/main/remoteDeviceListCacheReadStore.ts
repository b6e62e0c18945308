/**
 * Reading the remote device-list cache (`device_lists_remote_cache` and its extremities): what this server
 * knows of other servers' users' devices. Written by federation's device-list handling; the desktop UI only
 * reads it.
 */
import type { Database } from '../../engine/database.ts';

export interface CachedRemoteDevice {
  readonly userId: string;
  readonly deviceId: string;
  /** The device as the remote server described it (display name, keys), parsed from the stored JSON. */
  readonly content: Record<string, unknown>;
}

export interface CachedRemoteUser {
  readonly userId: string;
  /** The last stream ID received for the user (remote servers' IDs are opaque strings), or null. */
  readonly streamId: string | null;
  readonly devices: CachedRemoteDevice[];
}

export class RemoteDeviceListCacheReadStore {
  constructor(private readonly db: Database) {}

  /** Cached users in user ID order, at most `limit` of them, each with all their cached devices. */
  cachedUsers(limit: number): CachedRemoteUser[] {
    const userIds = this.db
      .prepare(
        `SELECT user_id FROM device_lists_remote_cache UNION SELECT user_id FROM device_lists_remote_extremeties
         ORDER BY user_id LIMIT ?`,
      )
      .pluck()
      .all(limit) as string[];
    const devices = this.db.prepare('SELECT device_id, content FROM device_lists_remote_cache WHERE user_id = ? ORDER BY device_id');
    const extremity = this.db.prepare('SELECT stream_id FROM device_lists_remote_extremeties WHERE user_id = ?').pluck();
    return userIds.map((userId) => ({
      userId,
      streamId: (extremity.get(userId) as string | undefined) ?? null,
      devices: (devices.all(userId) as { device_id: string; content: string }[]).map((row) => ({
        userId,
        deviceId: row.device_id,
        content: parseObject(row.content),
      })),
    }));
  }
}

function parseObject(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
