/**
 * Every write used during event persistence (SEED-BEHAVIOURS.md §2): events and their JSON, DAG edges, forward
 * extremities, current state and its delta stream, memberships (including `local_current_membership`, §6),
 * redactions, rejections and transaction IDs, in one synchronous transaction per batch, so a batch costs one
 * fsync and a failure leaves no partial rows. Constructed only on the events writer.
 */
import type { Database } from '../../engine/database.ts';
import type { RoomEvent } from '../../../events/roomEvent.ts';
import { parseStateKey, type StateKeyTuple } from '../../../state/stateMap.ts';
import type { EventContext } from '../../../state/eventContext.ts';
import { assertEventsWriter, type InstanceIdentity } from './eventsWriterGuard.ts';
import { canonicalJson } from '../../../crypto/canonicalJson.ts';
import { EventContentIndexWriter } from './eventContentIndexes.ts';
import { storedPosition, storedRedactionIds, type StoredEventRow } from './eventsReadStore.ts';
import { TXN_ID_RETENTION_MS } from './eventTxnIds.ts';

const TXN_ID_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface EventToPersist {
  readonly event: RoomEvent;
  readonly context: EventContext;
  readonly streamOrdering: number;
  /** Fresh from this server's event builder: its prev events are our forward extremities, all in the DAG. */
  readonly builtHere?: boolean;
}

/** How current state changes with a batch (computed by the persistence controller). */
export interface CurrentStateChange {
  readonly toDelete: readonly StateKeyTuple[];
  /** New event for each changed key. */
  readonly toInsert: ReadonlyMap<StateKeyTuple, string>;
  /** The server has no joined users left: current state is cleared, memberships are kept (§6). */
  readonly noLongerInRoom: boolean;
  /** The events stream position the delta is recorded at. */
  readonly streamId: number;
}

/** Membership rows for local users that change with the delta, for `local_current_membership`. */
export interface LocalMembershipChange {
  readonly userId: string;
  /** Null removes the row (e.g. a rejected invite). */
  readonly membership: { readonly eventId: string; readonly membership: string; readonly streamOrdering: number } | null;
}

export interface PersistBatch {
  readonly roomId: string;
  readonly events: readonly EventToPersist[];
  /** The room's new forward extremities, or null when they do not change (outliers only, backfill). */
  readonly forwardExtremities: readonly string[] | null;
  readonly currentState: CurrentStateChange | null;
  readonly localMemberships: readonly LocalMembershipChange[];
  readonly instanceName: string;
  readonly now: number;
}

export class PersistEventsStore {
  /** Relations and the search index, written with each timeline event. */
  private readonly contentIndexes: EventContentIndexWriter;
  /** When transaction IDs older than their retention were last deleted (0: not yet by this process). */
  private txnIdsPrunedAt = 0;

  constructor(
    private readonly db: Database,
    identity: InstanceIdentity,
  ) {
    assertEventsWriter(identity, 'PersistEventsStore');
    this.contentIndexes = new EventContentIndexWriter(db);
  }

  /**
   * Writes the batch in one transaction. Returns the rows of the events inserted (events already held are
   * skipped; outliers moved into the timeline are not included), for the events cache once committed.
   */
  persistBatch(batch: PersistBatch): StoredEventRow[] {
    return this.db.transaction(() => this.write(batch)).immediate();
  }

  /**
   * Rejecting an invite we cannot reach the inviting server for: the invite is dropped from
   * `local_current_membership` without a leave event (SEED-BEHAVIOURS.md §6).
   */
  deleteLocalMembership(userId: string, roomId: string): boolean {
    return this.db.prepare('DELETE FROM local_current_membership WHERE user_id = ? AND room_id = ?').run(userId, roomId).changes > 0;
  }

  private write(batch: PersistBatch): StoredEventRow[] {
    const db = this.db;
    const written: StoredEventRow[] = [];
    const insertEvent = db.prepare(
      `INSERT INTO events (stream_ordering, event_id, room_id, type, state_key, sender, depth, origin_server_ts, received_ts, outlier, soft_failed, instance_name, state_group)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertJson = db.prepare('INSERT INTO event_json (stream_ordering, event_id, room_id, room_version, internal_metadata, json) VALUES (?, ?, ?, ?, ?, ?)');
    const insertAuth = db.prepare('INSERT OR IGNORE INTO event_auth (stream_ordering, auth_id) VALUES (?, ?)');
    const insertStateEvent = db.prepare('INSERT OR IGNORE INTO state_events (event_id, room_id, type, state_key) VALUES (?, ?, ?, ?)');
    const insertMembership = db.prepare(
      `INSERT OR IGNORE INTO room_memberships (event_id, user_id, sender, room_id, membership, display_name, avatar_url, event_stream_ordering)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertRedaction = db.prepare('INSERT OR IGNORE INTO redactions (event_id, redacts, received_ts) VALUES (?, ?, ?)');
    const insertRejection = db.prepare('INSERT OR REPLACE INTO rejections (event_id, reason, last_check) VALUES (?, ?, ?)');
    // An append to a log with no index; lookups go to EventTxnIds in memory.
    const insertTxnId = db.prepare('INSERT INTO event_txn_id (event_id, room_id, user_id, device_id, txn_id, inserted_ts) VALUES (?, ?, ?, ?, ?, ?)');
    const insertRoom = db.prepare('INSERT OR IGNORE INTO rooms (room_id, room_version, creator) VALUES (?, ?, ?)');

    const unknownBefore = new Set<string>();
    for (const { event, context, streamOrdering, builtHere } of batch.events) {
      const outlier = event.internal.outlier === true;
      const rejected = context.rejectedReason !== null;
      // An event fresh from our builder has a new ID (its hash covers our forward extremities and a timestamp).
      const existing = builtHere === true ? undefined : storedPosition(db, event.eventId);
      if (existing !== undefined) {
        // An event first stored outside the DAG (fetched as auth or state) now arrives in it: move it into the
        // timeline at its new position, with its edges and state.
        if (existing.outlier && !outlier) {
          this.deOutlier(event, context, existing.streamOrdering, streamOrdering);
          if (!rejected && !event.internal.softFailed) this.contentIndexes.index(event, streamOrdering);
        }
        continue;
      }
      const pdu = event.toPduJson();
      const internal = storedMetadata(event);
      const row: StoredEventRow = {
        event_id: event.eventId,
        stream_ordering: streamOrdering,
        outlier: outlier ? 1 : 0,
        soft_failed: event.internal.softFailed ? 1 : 0,
        room_version: event.roomVersion.identifier,
        internal_metadata: JSON.stringify(internal),
        json: canonicalJson(pdu, { lenientNumbers: true }),
        reason: context.rejectedReason,
        parsed: { pdu, internal, redactionIds: [] },
      };
      insertEvent.run(
        streamOrdering, event.eventId, event.roomId, event.type, event.stateKey, event.sender, event.depth,
        event.originServerTs, batch.now, row.outlier, row.soft_failed, batch.instanceName, context.stateGroupAfter,
      );
      insertJson.run(streamOrdering, event.eventId, event.roomId, row.room_version, row.internal_metadata, row.json);
      for (const authId of event.authEventIds) insertAuth.run(streamOrdering, authId);
      if (!outlier) this.writeEdges(event, streamOrdering, builtHere === true);
      if (rejected) insertRejection.run(event.eventId, context.rejectedReason, batch.now);

      if (event.type === 'm.room.create' && event.stateKey === '' && !rejected) {
        const creator = event.roomVersion.implicitRoomCreator ? event.sender : event.content.creator;
        insertRoom.run(event.roomId, event.roomVersion.identifier, typeof creator === 'string' ? creator : event.sender);
      }
      if (event.stateKey !== null && !rejected) {
        insertStateEvent.run(event.eventId, event.roomId, event.type, event.stateKey);
        if (event.type === 'm.room.member' && event.membership !== null) {
          const { displayname, avatar_url } = event.content;
          insertMembership.run(
            event.eventId, event.stateKey, event.sender, event.roomId, event.membership,
            typeof displayname === 'string' ? displayname : null, typeof avatar_url === 'string' ? avatar_url : null, streamOrdering,
          );
        }
      }
      // A redaction without a target is stored like any event but records nothing to redact (SEED-BEHAVIOURS.md §5).
      if (event.type === 'm.room.redaction' && event.redacts !== null && !rejected) insertRedaction.run(event.eventId, event.redacts, batch.now);
      if (event.internal.txnId !== undefined && event.internal.deviceId !== undefined) {
        insertTxnId.run(event.eventId, event.roomId, event.sender, event.internal.deviceId, event.internal.txnId, batch.now);
      }
      if (!outlier && !rejected && !event.internal.softFailed) this.contentIndexes.index(event, streamOrdering, { newId: builtHere === true });
      written.push(row);
      if (builtHere === true) unknownBefore.add(event.eventId);
    }

    // After every insert: a redaction in this batch may target an event written before it. Nothing else can
    // target an event whose ID nobody knew before this batch.
    const batchRedacts = batch.events.some(({ event }) => event.type === 'm.room.redaction');
    const withRedactions = written.map((row) =>
      !batchRedacts && unknownBefore.has(row.event_id) ? row : { ...row, parsed: { ...row.parsed!, redactionIds: storedRedactionIds(db, row.event_id) } },
    );
    if (batch.now - this.txnIdsPrunedAt >= TXN_ID_PRUNE_INTERVAL_MS) {
      // The log has no index: a scan of about a day of sends, once an hour.
      db.prepare('DELETE FROM event_txn_id WHERE inserted_ts < ?').run(batch.now - TXN_ID_RETENTION_MS);
      this.txnIdsPrunedAt = batch.now;
    }
    if (batch.forwardExtremities !== null) this.replaceForwardExtremities(batch.roomId, batch.forwardExtremities);
    if (batch.currentState !== null) this.updateCurrentState(batch.roomId, batch.currentState, batch.instanceName);
    this.updateLocalMemberships(batch.roomId, batch.localMemberships);
    return withRedactions;
  }

  private deOutlier(event: RoomEvent, context: EventContext, previous: number, streamOrdering: number): void {
    const db = this.db;
    // Its JSON and auth edges move with the event from its outlier position to its new one (their key).
    db.prepare('UPDATE event_json SET internal_metadata = ?, stream_ordering = ? WHERE stream_ordering = ?').run(JSON.stringify(storedMetadata(event)), streamOrdering, previous);
    db.prepare('UPDATE event_auth SET stream_ordering = ? WHERE stream_ordering = ?').run(streamOrdering, previous);
    db.prepare('UPDATE events SET outlier = 0, soft_failed = ?, stream_ordering = ?, state_group = COALESCE(?, state_group) WHERE event_id = ?').run(
      event.internal.softFailed ? 1 : 0,
      streamOrdering,
      context.stateGroupAfter,
      event.eventId,
    );

    this.writeEdges(event, streamOrdering, false);
    db.prepare('UPDATE room_memberships SET event_stream_ordering = ? WHERE event_id = ?').run(streamOrdering, event.eventId);
    if (context.rejectedReason !== null) db.prepare('INSERT OR REPLACE INTO rejections (event_id, reason, last_check) VALUES (?, ?, ?)').run(event.eventId, context.rejectedReason, Date.now());
  }

  /**
   * The prev edges of an event entering the DAG, and `event_prev_waiting` kept to the edges whose prev event is not
   * in the DAG: one row per such prev, and none left for this event, which is now there.
   */
  private writeEdges(event: RoomEvent, streamOrdering: number, builtHere: boolean): void {
    const db = this.db;
    const insertEdge = db.prepare('INSERT OR IGNORE INTO event_edges (stream_ordering, prev_event_id) VALUES (?, ?)');
    for (const prevId of event.prevEventIds) insertEdge.run(streamOrdering, prevId);
    // An event built here follows our forward extremities, and nobody knew its ID to build on it.
    if (builtHere) return;
    const wait = db.prepare('INSERT OR IGNORE INTO event_prev_waiting (prev_event_id, stream_ordering) VALUES (?, ?)');
    for (const prevId of event.prevEventIds) if (storedPosition(db, prevId)?.outlier !== false) wait.run(prevId, streamOrdering);
    db.prepare('DELETE FROM event_prev_waiting WHERE prev_event_id = ?').run(event.eventId);
  }

  private replaceForwardExtremities(roomId: string, eventIds: readonly string[]): void {
    this.db.prepare('DELETE FROM event_forward_extremities WHERE room_id = ?').run(roomId);
    const insert = this.db.prepare('INSERT INTO event_forward_extremities (event_id, room_id) VALUES (?, ?)');
    for (const eventId of eventIds) insert.run(eventId, roomId);
  }

  private updateCurrentState(roomId: string, change: CurrentStateChange, instanceName: string): void {
    const db = this.db;
    const recordDelta = db.prepare(
      'INSERT INTO current_state_delta_stream (stream_id, room_id, type, state_key, event_id, prev_event_id, instance_name) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const currentEventId = db.prepare('SELECT event_id FROM current_state_events WHERE room_id = ? AND type = ? AND state_key = ?').pluck();
    if (change.noLongerInRoom) {
      const rows = db.prepare('SELECT type, state_key, event_id FROM current_state_events WHERE room_id = ?').all(roomId) as {
        type: string;
        state_key: string;
        event_id: string;
      }[];
      for (const row of rows) recordDelta.run(change.streamId, roomId, row.type, row.state_key, null, row.event_id, instanceName);
      db.prepare('DELETE FROM current_state_events WHERE room_id = ?').run(roomId);
      return;
    }
    const remove = db.prepare('DELETE FROM current_state_events WHERE room_id = ? AND type = ? AND state_key = ?');
    for (const key of change.toDelete) {
      const { type, stateKey } = parseStateKey(key);
      const previous = currentEventId.get(roomId, type, stateKey) as string | undefined;
      remove.run(roomId, type, stateKey);
      recordDelta.run(change.streamId, roomId, type, stateKey, null, previous ?? null, instanceName);
    }
    const membershipOf = db.prepare('SELECT membership FROM room_memberships WHERE event_id = ?').pluck();
    const upsert = db.prepare(
      `INSERT INTO current_state_events (room_id, type, state_key, event_id, membership) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id, membership = excluded.membership`,
    );
    for (const [key, eventId] of change.toInsert) {
      const { type, stateKey } = parseStateKey(key);
      const previous = currentEventId.get(roomId, type, stateKey) as string | undefined;
      const membership = type === 'm.room.member' ? ((membershipOf.get(eventId) as string | undefined) ?? null) : null;
      upsert.run(roomId, type, stateKey, eventId, membership);
      recordDelta.run(change.streamId, roomId, type, stateKey, eventId, previous ?? null, instanceName);
    }
  }

  private updateLocalMemberships(roomId: string, changes: readonly LocalMembershipChange[]): void {
    const remove = this.db.prepare('DELETE FROM local_current_membership WHERE user_id = ? AND room_id = ?');
    const insert = this.db.prepare(
      'INSERT INTO local_current_membership (room_id, user_id, event_id, membership, event_stream_ordering) VALUES (?, ?, ?, ?, ?)',
    );
    for (const change of changes) {
      remove.run(change.userId, roomId);
      if (change.membership) insert.run(roomId, change.userId, change.membership.eventId, change.membership.membership, change.membership.streamOrdering);
    }
  }
}

function storedMetadata(event: RoomEvent): Record<string, unknown> {
  const { streamOrdering: _s, ...rest } = event.internal;
  return rest;
}
