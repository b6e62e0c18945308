/**
 * What this server knows of other servers' users' device lists (`device_lists_remote_cache`), the version of
 * each list it last applied (`device_lists_remote_extremeties`, the remote server's opaque stream ID) and which
 * lists must be fetched whole again (`device_lists_remote_resync`). Written by federation's device-list
 * updater; the desktop UI reads the cache through RemoteDeviceListCacheReadStore.
 */
import type { Database } from '../../engine/database.ts';
import type { JsonObject } from '../../../crypto/canonicalJson.ts';

export interface RemoteDevice {
  readonly deviceId: string;
  /** `{device_id, keys?, device_display_name?}` as the remote server described it. */
  readonly content: JsonObject;
}

export class RemoteDeviceListsStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** The version of the user's list last applied, or null when the list was never fetched. */
  extremity(userId: string): string | null {
    return (this.db.prepare('SELECT stream_id FROM device_lists_remote_extremeties WHERE user_id = ?').pluck().get(userId) as string | undefined) ?? null;
  }

  /** Applies one device's change (null content: deleted) and moves the list to `streamId`. */
  applyUpdate(userId: string, deviceId: string, content: JsonObject | null, streamId: string): void {
    this.db.transaction(() => {
      if (content === null) this.db.prepare('DELETE FROM device_lists_remote_cache WHERE user_id = ? AND device_id = ?').run(userId, deviceId);
      else
        this.db
          .prepare('INSERT INTO device_lists_remote_cache (user_id, device_id, content) VALUES (?, ?, ?) ON CONFLICT (user_id, device_id) DO UPDATE SET content = excluded.content')
          .run(userId, deviceId, JSON.stringify(content));
      this.setExtremity(userId, streamId);
    })();
  }

  /**
   * Replaces the user's whole list with a freshly fetched one at `streamId` and clears any pending resync.
   * Returns the IDs of devices that were added, changed or removed.
   */
  replaceList(userId: string, devices: readonly RemoteDevice[], streamId: string): string[] {
    return this.db.transaction(() => {
      const before = new Map(
        (this.db.prepare('SELECT device_id, content FROM device_lists_remote_cache WHERE user_id = ?').all(userId) as { device_id: string; content: string }[]).map(
          (r) => [r.device_id, r.content],
        ),
      );
      this.db.prepare('DELETE FROM device_lists_remote_cache WHERE user_id = ?').run(userId);
      const insert = this.db.prepare('INSERT OR REPLACE INTO device_lists_remote_cache (user_id, device_id, content) VALUES (?, ?, ?)');
      const changed = new Set<string>();
      for (const device of devices) {
        const content = JSON.stringify(device.content);
        insert.run(userId, device.deviceId, content);
        if (before.get(device.deviceId) !== content) changed.add(device.deviceId);
        before.delete(device.deviceId);
      }
      for (const removed of before.keys()) changed.add(removed);
      this.setExtremity(userId, streamId);
      this.db.prepare('DELETE FROM device_lists_remote_resync WHERE user_id = ?').run(userId);
      return [...changed].sort();
    })();
  }

  /** The cached devices of the user, by device ID. */
  devicesOf(userId: string): RemoteDevice[] {
    return (this.db.prepare('SELECT device_id, content FROM device_lists_remote_cache WHERE user_id = ? ORDER BY device_id').all(userId) as { device_id: string; content: string }[]).map(
      (r) => ({ deviceId: r.device_id, content: JSON.parse(r.content) as JsonObject }),
    );
  }

  /** Whether the user's list waits to be fetched whole (so the cached one may be out of date). */
  needsResync(userId: string): boolean {
    return this.db.prepare('SELECT 1 FROM device_lists_remote_resync WHERE user_id = ?').pluck().get(userId) !== undefined;
  }

  /** Remembers that the user's list must be fetched whole (a gap in its updates, or a failed fetch). */
  markResyncNeeded(userId: string): void {
    this.db.prepare('INSERT OR IGNORE INTO device_lists_remote_resync (user_id, added_ts) VALUES (?, ?)').run(userId, this.now());
  }

  /** Users whose lists must be fetched whole, oldest request first. */
  usersNeedingResync(limit: number): string[] {
    return this.db.prepare('SELECT user_id FROM device_lists_remote_resync ORDER BY added_ts, user_id LIMIT ?').pluck().all(limit) as string[];
  }

  /** Users whose list (or its version, or a pending resync) we hold. */
  heldUsers(): string[] {
    return this.db.prepare('SELECT user_id FROM device_lists_remote_extremeties UNION SELECT user_id FROM device_lists_remote_resync').pluck().all() as string[];
  }

  /** Forgets the user's list (we no longer share a room with them, so it would go stale unnoticed). */
  forget(userId: string): void {
    this.db.transaction(() => {
      for (const table of ['device_lists_remote_cache', 'device_lists_remote_extremeties', 'device_lists_remote_resync']) {
        this.db.prepare(`DELETE FROM ${table} WHERE user_id = ?`).run(userId);
      }
    })();
  }

  private setExtremity(userId: string, streamId: string): void {
    this.db
      .prepare('INSERT INTO device_lists_remote_extremeties (user_id, stream_id) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id')
      .run(userId, streamId);
  }
}
