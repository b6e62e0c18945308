/**
 * Presence in `presence_stream`: one row per user with their latest presence and the `presence` stream position
 * of that change. What changes often without being news (a last-active time moving on) is kept in memory by
 * the presence handler and written only with the next real change.
 */
import type { Database } from '../../engine/database.ts';
import type { StreamIdGenerator } from '../../engine/streamIdGenerator.ts';

export type PresenceState = 'online' | 'offline' | 'unavailable';

export interface PresenceStatus {
  readonly state: PresenceState;
  readonly statusMsg: string | null;
  readonly lastActiveTs: number;
  readonly currentlyActive: boolean;
}

export interface StoredPresence extends PresenceStatus {
  readonly userId: string;
  readonly streamId: number;
}

interface PresenceRow {
  user_id: string;
  stream_id: number;
  state: string;
  status_msg: string | null;
  last_active_ts: number;
  currently_active: number;
}

export function isPresenceState(value: unknown): value is PresenceState {
  return value === 'online' || value === 'offline' || value === 'unavailable';
}

function toPresence(row: PresenceRow): StoredPresence {
  return {
    userId: row.user_id,
    streamId: row.stream_id,
    state: isPresenceState(row.state) ? row.state : 'offline',
    statusMsg: row.status_msg,
    lastActiveTs: row.last_active_ts,
    currentlyActive: row.currently_active === 1,
  };
}

const COLUMNS = 'user_id, stream_id, state, status_msg, last_active_ts, currently_active';

export class PresenceStore {
  constructor(
    private readonly db: Database,
    private readonly generator: StreamIdGenerator,
  ) {}

  get(userId: string): StoredPresence | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM presence_stream WHERE user_id = ?`).get(userId) as PresenceRow | undefined;
    return row ? toPresence(row) : null;
  }

  getMany(userIds: readonly string[]): StoredPresence[] {
    if (userIds.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM presence_stream WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY stream_id`)
      .all(JSON.stringify(userIds)) as PresenceRow[];
    return rows.map(toPresence);
  }

  /** Records a change; returns its stream position. */
  update(userId: string, status: PresenceStatus): number {
    return this.generator.withIds(1, ([streamId]) => {
      this.db
        .prepare(
          `INSERT INTO presence_stream (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id, state = excluded.state, status_msg = excluded.status_msg,
             last_active_ts = excluded.last_active_ts, currently_active = excluded.currently_active`,
        )
        .run(userId, streamId, status.state, status.statusMsg, status.lastActiveTs, status.currentlyActive ? 1 : 0);
      return streamId!;
    });
  }

  /** Presence changes in (from, to]. */
  changedBetween(from: number, to: number): StoredPresence[] {
    if (to <= from) return [];
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM presence_stream WHERE stream_id > ? AND stream_id <= ? ORDER BY stream_id`)
      .all(from, to) as PresenceRow[];
    return rows.map(toPresence);
  }
}
