/**
 * The device-list stream (SEED-BEHAVIOURS.md §3). Every change of a local user's devices gets one stream row per
 * device, each with its own ID; servers that share a room with the user get one outbound poke per (destination,
 * device), again each with its own ID. All three stream tables share one ID generator (Streams.deviceLists), so
 * a restart never reuses an ID, and a read cut by its limit resumes at the last row's ID with nothing skipped.
 */
import type { Database } from '../../engine/database.ts';
import type { StreamIdGenerator } from '../../engine/streamIdGenerator.ts';

/** One row of the stream as replication and /sync read it: a user whose devices changed, or a server to poke. */
export interface DeviceListStreamRow {
  readonly streamId: number;
  /** A user ID (starts with `@`) or a destination server name. */
  readonly entity: string;
}

export interface DeviceListStreamPage {
  readonly rows: DeviceListStreamRow[];
  /** The last ID processed: the last row's when limited, else the upper bound asked for. */
  readonly token: number;
  readonly limited: boolean;
}

/** The content of an `m.device_list_update` EDU (server-server API). */
export interface DeviceListUpdateEdu {
  readonly user_id: string;
  readonly device_id: string;
  readonly stream_id: number;
  readonly prev_id: number[];
  readonly deleted?: boolean;
  readonly device_display_name?: string;
  readonly keys?: Record<string, unknown>;
}

/**
 * What the store needs to know about a device to describe its change to another server: its name and keys, null
 * when it no longer exists (reported deleted), or NOT_A_DEVICE for entries of the stream that are not devices
 * (cross-signing public keys), which the caller reports another way and which stay out of the `prev_id` chain.
 */
export type DeviceDescriber = (
  userId: string,
  deviceId: string,
) => { displayName: string | null; keys: Record<string, unknown> | null } | null | typeof NOT_A_DEVICE;

export const NOT_A_DEVICE = 'not-a-device';

/** Pending outbound updates of one destination, as getOutboundUpdates reads them. */
export interface OutboundDeviceListUpdates {
  /** The position of the last poke read (or the `from` position when none). */
  readonly position: number;
  readonly edus: DeviceListUpdateEdu[];
  /** Pokes whose describer answer was NOT_A_DEVICE, in stream order. */
  readonly others: { readonly userId: string; readonly deviceId: string; readonly streamId: number }[];
  /** Per user, the stream ID of the last EDU included: what the next EDU's `prev_id` refers to. */
  readonly chainEnds: ReadonlyMap<string, number>;
}

export class DeviceListsStore {
  constructor(
    private readonly db: Database,
    private readonly generator: StreamIdGenerator,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records that `deviceIds` of `userId` changed, and pokes each of `hosts` about each device. Returns the last
   * stream ID written, or null when there were no devices (nothing is written then).
   */
  addDeviceChangeToStreams(userId: string, deviceIds: readonly string[], hosts: readonly string[]): number | null {
    if (deviceIds.length === 0) return null;
    const streamIds = this.generator.allocate(deviceIds.length);
    const pokeIds = hosts.length > 0 ? this.generator.allocate(hosts.length * deviceIds.length) : null;
    try {
      this.db.transaction(() => {
        const deleteOlder = this.db.prepare('DELETE FROM device_lists_stream WHERE user_id = ? AND device_id = ? AND stream_id < ?');
        const insertRow = this.db.prepare('INSERT INTO device_lists_stream (stream_id, user_id, device_id) VALUES (?, ?, ?)');
        deviceIds.forEach((deviceId, i) => {
          const id = streamIds.ids[i]!;
          deleteOlder.run(userId, deviceId, id);
          insertRow.run(id, userId, deviceId);
        });
        if (pokeIds) {
          const insertPoke = this.db.prepare(
            'INSERT INTO device_lists_outbound_pokes (destination, stream_id, user_id, device_id, sent, ts) VALUES (?, ?, ?, ?, 0, ?)',
          );
          const now = this.now();
          let i = 0;
          for (const host of hosts) for (const deviceId of deviceIds) insertPoke.run(host, pokeIds.ids[i++], userId, deviceId, now);
        }
      })();
    } catch (e) {
      pokeIds?.abort();
      streamIds.abort();
      throw e;
    }
    streamIds.commit();
    pokeIds?.commit();
    return (pokeIds ?? streamIds).last;
  }

  /** Rows in (from, to], one per stream ID, in order, at most `limit`. */
  getRows(from: number, to: number, limit: number): DeviceListStreamPage {
    const rows = this.db
      .prepare(
        `SELECT stream_id, entity FROM (
           SELECT stream_id, user_id AS entity FROM device_lists_stream WHERE stream_id > @from AND stream_id <= @to
           UNION ALL
           SELECT stream_id, destination AS entity FROM device_lists_outbound_pokes WHERE stream_id > @from AND stream_id <= @to
         ) ORDER BY stream_id LIMIT @limit`,
      )
      .all({ from, to, limit }) as { stream_id: number; entity: string }[];
    const limited = rows.length === limit;
    return {
      rows: rows.map((r) => ({ streamId: r.stream_id, entity: r.entity })),
      // Never the upper bound when cut short: the next read must start after the last row actually returned.
      token: limited ? rows.at(-1)!.stream_id : to,
      limited,
    };
  }

  /** Users whose device lists changed in (from, to], for /sync `device_lists.changed` and `/keys/changes`. */
  getUsersWhoseDevicesChanged(from: number, to: number): string[] {
    return this.db
      .prepare('SELECT DISTINCT user_id FROM device_lists_stream WHERE stream_id > ? AND stream_id <= ? ORDER BY user_id')
      .pluck()
      .all(from, to) as string[];
  }

  /**
   * The device-list EDUs owed to `destination` after `fromStreamId`, at most `limit`, in stream order. Each user's
   * updates chain their `prev_id`s in increasing order, starting from the last one the destination acknowledged.
   * Returns the position of the last poke included (or `fromStreamId` when none).
   */
  getOutboundUpdates(destination: string, fromStreamId: number, limit: number, describe: DeviceDescriber): OutboundDeviceListUpdates {
    const pokes = this.db
      .prepare(
        'SELECT stream_id, user_id, device_id FROM device_lists_outbound_pokes WHERE destination = ? AND sent = 0 AND stream_id > ? ORDER BY stream_id LIMIT ?',
      )
      .all(destination, fromStreamId, limit) as { stream_id: number; user_id: string; device_id: string }[];
    const lastSent = this.db.prepare('SELECT stream_id FROM device_lists_outbound_last_success WHERE destination = ? AND user_id = ?').pluck();
    const previous = new Map<string, number | null>();
    const edus: DeviceListUpdateEdu[] = [];
    const others: { userId: string; deviceId: string; streamId: number }[] = [];
    const chainEnds = new Map<string, number>();
    for (const poke of pokes) {
      if (!previous.has(poke.user_id)) previous.set(poke.user_id, (lastSent.get(destination, poke.user_id) as number | undefined) ?? null);
      const prev = previous.get(poke.user_id)!;
      const device = describe(poke.user_id, poke.device_id);
      if (device === NOT_A_DEVICE) {
        others.push({ userId: poke.user_id, deviceId: poke.device_id, streamId: poke.stream_id });
        continue;
      }
      const edu: { -readonly [K in keyof DeviceListUpdateEdu]: DeviceListUpdateEdu[K] } = {
        user_id: poke.user_id,
        device_id: poke.device_id,
        stream_id: poke.stream_id,
        prev_id: prev === null ? [] : [prev],
      };
      if (device === null) edu.deleted = true;
      else {
        if (device.displayName !== null) edu.device_display_name = device.displayName;
        if (device.keys !== null) edu.keys = device.keys;
      }
      edus.push(edu);
      previous.set(poke.user_id, poke.stream_id);
      chainEnds.set(poke.user_id, poke.stream_id);
    }
    return { position: pokes.at(-1)?.stream_id ?? fromStreamId, edus, others, chainEnds };
  }

  /**
   * After `destination` accepted (or durably queued) the updates up to `position`: marks the pokes sent and
   * remembers each user's last ID. With `chainEnds` from getOutboundUpdates, those are the last IDs (pokes that
   * were not devices stay out of the chain); without, the last poke of each user is.
   */
  markOutboundSent(destination: string, position: number, chainEnds?: ReadonlyMap<string, number>): void {
    this.db.transaction(() => {
      const last = chainEnds
        ? [...chainEnds].map(([user_id, stream_id]) => ({ user_id, stream_id }))
        : (this.db
            .prepare(
              'SELECT user_id, MAX(stream_id) AS stream_id FROM device_lists_outbound_pokes WHERE destination = ? AND sent = 0 AND stream_id <= ? GROUP BY user_id',
            )
            .all(destination, position) as { user_id: string; stream_id: number }[]);
      const upsert = this.db.prepare(
        `INSERT INTO device_lists_outbound_last_success (destination, user_id, stream_id) VALUES (?, ?, ?)
         ON CONFLICT (destination, user_id) DO UPDATE SET stream_id = MAX(stream_id, excluded.stream_id)`,
      );
      for (const row of last) upsert.run(destination, row.user_id, row.stream_id);
      this.db.prepare('UPDATE device_lists_outbound_pokes SET sent = 1 WHERE destination = ? AND stream_id <= ?').run(destination, position);
    })();
  }

  /**
   * The ID another server should take as the version of `userId`'s device list when it fetches the whole list
   * (`GET /user/devices`): the last poke queued for it about the user, so that EDUs still queued, which the
   * list already reflects, are recognised as old; else the user's last stream row.
   */
  deviceListVersionFor(destination: string, userId: string): number {
    const poke = this.db
      .prepare('SELECT MAX(stream_id) FROM device_lists_outbound_pokes WHERE destination = ? AND user_id = ?')
      .pluck()
      .get(destination, userId) as number | null;
    const row = this.db.prepare('SELECT MAX(stream_id) FROM device_lists_stream WHERE user_id = ?').pluck().get(userId) as number | null;
    return Math.max(poke ?? 0, row ?? 0);
  }

  /** Destinations with pokes still to send (for catch-up after a restart). */
  destinationsWithPendingPokes(): string[] {
    return this.db.prepare('SELECT DISTINCT destination FROM device_lists_outbound_pokes WHERE sent = 0 ORDER BY destination').pluck().all() as string[];
  }
}
