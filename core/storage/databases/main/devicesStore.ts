/** Local users' devices (the `devices` table): the device list a user sees and manages. */
import type { Database } from '../../engine/database.ts';

export interface DeviceRecord {
  readonly userId: string;
  readonly deviceId: string;
  readonly displayName: string | null;
  readonly lastSeenTs: number | null;
  readonly lastSeenIp: string | null;
  readonly lastSeenUserAgent: string | null;
}

interface DeviceRow {
  user_id: string;
  device_id: string;
  display_name: string | null;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
  last_seen_user_agent: string | null;
}

function toRecord(row: DeviceRow): DeviceRecord {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    displayName: row.display_name,
    lastSeenTs: row.last_seen_ts,
    lastSeenIp: row.last_seen_ip,
    lastSeenUserAgent: row.last_seen_user_agent,
  };
}

export class DevicesStore {
  constructor(private readonly db: Database) {}

  /** Creates the device, or keeps an existing one (a login that names its device ID). Returns true if created. */
  ensureDevice(userId: string, deviceId: string, displayName: string | null): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO devices (user_id, device_id, display_name) VALUES (?, ?, ?)').run(userId, deviceId, displayName).changes > 0;
  }

  getDevice(userId: string, deviceId: string): DeviceRecord | null {
    const row = this.db.prepare('SELECT * FROM devices WHERE user_id = ? AND device_id = ? AND hidden = 0').get(userId, deviceId) as DeviceRow | undefined;
    return row ? toRecord(row) : null;
  }

  listDevices(userId: string): DeviceRecord[] {
    return (this.db.prepare('SELECT * FROM devices WHERE user_id = ? AND hidden = 0 ORDER BY device_id').all(userId) as DeviceRow[]).map(toRecord);
  }

  setDisplayName(userId: string, deviceId: string, displayName: string | null): boolean {
    return this.db.prepare('UPDATE devices SET display_name = ? WHERE user_id = ? AND device_id = ?').run(displayName, userId, deviceId).changes > 0;
  }

  recordLastSeen(userId: string, deviceId: string, ts: number, ip: string | null, userAgent: string | null): void {
    this.db
      .prepare('UPDATE devices SET last_seen_ts = ?, last_seen_ip = ?, last_seen_user_agent = ? WHERE user_id = ? AND device_id = ?')
      .run(ts, ip, userAgent, userId, deviceId);
  }

  deleteDevice(userId: string, deviceId: string): boolean {
    return this.db.prepare('DELETE FROM devices WHERE user_id = ? AND device_id = ?').run(userId, deviceId).changes > 0;
  }
}
