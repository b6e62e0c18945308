/**
 * Records push actions for new events ("Server behaviour"): after each committed batch, every live event (not an
 * outlier, rejected or soft-failed) is evaluated against the push rules of each local user joined to its room in
 * the state after it, except the sender, plus a local user it invites; a (user, event) row is stored when the
 * rules say notify. A redaction drops the actions of the event it redacts; a local user's own event moves their
 * read position in that room.
 *
 * Batches are handled one at a time in the order they were committed (those reported while the recorder is busy
 * are handled as one, written with the next events' group transaction). Each one moves a stored position along the
 * events stream (everything at or below it is recorded), so a restart, or the batch after a failed write, first
 * catches up on events committed but not yet recorded. Recording is idempotent per (user, event), so handling an
 * event twice is harmless. An event whose evaluation throws is reported and skipped.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { RoomEvent } from '../../events/roomEvent.ts';
import { domainOf } from '../../events/identifiers.ts';
import { PowerLevels } from '../../auth/powerLevels.ts';
import { stateKey } from '../../state/stateMap.ts';
import type { MemberProfile } from '../../state/joinedUsers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventsPersistenceController, PersistedBatch } from '../../storage/controllers/eventsPersistenceController.ts';
import type { PushActionRow } from '../../storage/databases/main/eventPushActionsStore.ts';
import { evaluatePushRules, type PushEventFacts } from './pushRuleEvaluator.ts';
import { highlights, notifies } from './pushActions.ts';
import { threadIdOf } from './eventThread.ts';
import type { PushRuleset } from './pushRule.ts';

/** One event to record, with where it sits in room state. */
export interface EventToRecord {
  readonly event: RoomEvent;
  readonly streamOrdering: number;
  /** State before the event (for power levels); null when unknown. */
  readonly stateGroupBefore: number | null;
  /** State after the event (for members, member count and display names); null for outliers. */
  readonly stateGroupAfter: number | null;
  readonly rejected: boolean;
}

export interface PushActionsRecorderOptions {
  readonly stores: DataStores;
  /** A user's effective push rules. */
  readonly rulesFor: (userId: string) => Promise<PushRuleset>;
  /** Failures are reported here and never stop later batches. */
  readonly onError: (message: string, error: unknown) => void;
  /** Told of the actions of each batch once they are stored (push gateways are sent them). */
  readonly onRecorded?: (rows: readonly PushActionRow[]) => void;
  readonly now?: () => number;
  /** Longest recorded rows wait to share the transaction of events persisted after them (`RECORD_DELAY_MS`). */
  readonly recordDelayMs?: number;
}

/** Events read per step when catching up after a restart. */
const CATCH_UP_CHUNK = 200;

/** Longest recorded rows wait to share the transaction of events persisted after them. */
export const RECORD_DELAY_MS = 100;

export class PushActionsRecorder {
  private readonly stores: DataStores;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  /** A batch failed to be written: the next one catches up from the stored position instead, so none is lost. */
  private behind = false;
  /** Batches reported but not yet taken by a queued job; later batches are added to them. */
  private waiting: { events: EventToRecord[]; upTo: number } | null = null;
  /** Callers of `flush` still waiting. */
  private flushing = 0;

  constructor(private readonly options: PushActionsRecorderOptions) {
    this.stores = options.stores;
  }

  /** Starts following `persistence`, after catching up on anything committed but not yet recorded. */
  attach(persistence: EventsPersistenceController): void {
    if (this.unsubscribe) throw new Error('already attached');
    this.enqueue('catching up on push actions', () => this.catchUp());
    this.unsubscribe = persistence.onPersisted((batch) => this.onBatch(batch));
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Resolves once every batch reported so far has been recorded (or has failed and been reported). */
  flush(): Promise<void> {
    // Somebody is about to read the rows: they are written now rather than with the next events.
    this.flushing++;
    this.stores.groupCommit.hurry();
    return this.queue.finally(() => this.flushing--);
  }

  private onBatch(batch: PersistedBatch): void {
    // Listeners run right after each commit, so every position at or below the current token has been reported
    // by now: once this batch (and those queued before it) is recorded, so is everything up to `upTo`.
    const upTo = this.stores.streams.events.getCurrentToken();
    const events: EventToRecord[] = batch.events.map(({ event, streamOrdering, context }) => ({
      event,
      streamOrdering,
      stateGroupBefore: context.stateGroupBefore,
      stateGroupAfter: context.stateGroupAfter,
      rejected: context.rejectedReason !== null,
    }));
    // Batches of many rooms commit together (group commit): those reported before the queued job starts join it,
    // so they are recorded in one write instead of one transaction each.
    if (this.waiting) {
      this.waiting.events.push(...events);
      this.waiting.upTo = upTo;
      return;
    }
    const waiting = { events, upTo };
    this.waiting = waiting;
    this.enqueue('recording push actions', () => {
      if (this.waiting === waiting) this.waiting = null;
      return this.behind ? this.catchUp() : this.record(waiting.events, waiting.upTo);
    });
  }

  private enqueue(what: string, job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((error: unknown) => {
      this.behind = true;
      this.options.onError(`failed ${what}`, error);
    });
  }

  /** Records events committed after the stored position (after a restart or a failed batch). */
  private async catchUp(): Promise<void> {
    const upTo = this.stores.streams.events.getCurrentToken();
    let from = this.stores.pushActions.getRecordedPosition();
    while (from < upTo) {
      const ids = this.stores.pushActions.getEventIdsToRecord(from, upTo, CATCH_UP_CHUNK);
      const last = ids.length < CATCH_UP_CHUNK ? upTo : ids.at(-1)!.streamOrdering;
      const stored = await this.stores.events.getEvents(ids.map((i) => i.eventId));
      const groups = this.stores.stateGroups.getStateGroupsForEvents(ids.map((i) => i.eventId));
      const events: EventToRecord[] = [];
      for (const { eventId, streamOrdering } of ids) {
        const entry = stored.get(eventId);
        if (!entry || entry.softFailed) continue;
        // Only the state after an event is stored; it stands in for the state before (they differ for state events only).
        const group = groups.get(eventId) ?? null;
        events.push({ event: entry.event, streamOrdering, stateGroupBefore: null, stateGroupAfter: group, rejected: entry.rejectedReason !== null });
      }
      await this.record(events, last);
      from = last;
    }
    this.behind = false;
  }

  /** Evaluates and stores one batch, and moves the recorded position to `upTo`. */
  private async record(events: readonly EventToRecord[], upTo: number): Promise<void> {
    const rows: PushActionRow[] = [];
    const redacted: string[] = [];
    const sent: { userId: string; roomId: string; streamOrdering: number }[] = [];
    for (const item of events) {
      const { event } = item;
      if (item.streamOrdering <= 0 || item.rejected || event.internal.outlier === true || event.internal.softFailed === true || item.stateGroupAfter === null) continue;
      if (this.isLocal(event.sender)) sent.push({ userId: event.sender, roomId: event.roomId, streamOrdering: item.streamOrdering });
      try {
        if (event.type === 'm.room.redaction' && event.redacts !== null && (await this.redactionApplies(event))) redacted.push(event.redacts);
        rows.push(...(await this.actionsFor(item)));
      } catch (error) {
        // One event that cannot be evaluated must not hold up every later one.
        this.options.onError(`failed to evaluate push rules for ${event.eventId}`, error);
      }
    }
    const now = (this.options.now ?? Date.now)();
    // Rows are written with the events persisted next (no commit and fsync of their own), unless somebody waits
    // for them; a crash before that loses nothing, as the stored position has not moved past these events.
    const write = this.flushing > 0 ? (fn: () => void) => this.stores.groupCommit.write(fn) : (fn: () => void) => this.stores.groupCommit.writeDeferred(fn, this.options.recordDelayMs ?? RECORD_DELAY_MS);
    await write(() => {
      this.stores.pushActions.insertActions(rows, now);
      // After inserting: a redaction may be in the same batch as the event it redacts.
      this.stores.pushActions.deleteActionsForEvents(redacted);
      for (const s of sent) this.stores.pushActions.recordSent(s.userId, s.roomId, s.streamOrdering);
      this.stores.pushActions.advanceRecordedPosition(upTo);
    });
    if (rows.length > 0) this.options.onRecorded?.(rows);
  }

  private async actionsFor(item: EventToRecord): Promise<PushActionRow[]> {
    const { event } = item;
    const joined = await this.stores.members.getJoinedUsersAtStateGroup(item.stateGroupAfter!);
    const recipients = [...joined.keys()].filter((userId) => userId !== event.sender && this.isLocal(userId));
    const invitee = event.type === 'm.room.member' && event.membership === 'invite' ? event.stateKey : null;
    // The invitee is not joined yet, but must hear about the invite (`.m.rule.invite_for_me`).
    if (invitee !== null && invitee !== event.sender && this.isLocal(invitee) && !recipients.includes(invitee)) recipients.push(invitee);
    if (recipients.length === 0) return [];

    const levels = await this.powerLevelsAt(item.stateGroupBefore ?? item.stateGroupAfter!, event);
    const facts: PushEventFacts = {
      event: eventJson(event),
      roomMemberCount: joined.size,
      senderHasNotificationPermission(key) {
        try {
          const required = levels.notificationLevel(key);
          return required !== undefined && levels.userLevel(event.sender) >= required;
        } catch {
          // Malformed power levels grant nobody the permission.
          return false;
        }
      },
    };
    const rows: PushActionRow[] = [];
    let threadId: string | null = null;
    for (const userId of recipients) {
      const evaluation = evaluatePushRules(await this.options.rulesFor(userId), facts, { userId, displayName: displayNameOf(userId, joined, event) });
      if (!evaluation || !notifies(evaluation.actions)) continue;
      threadId ??= await threadIdOf(event.content, async (id) => (await this.stores.events.getEvent(id))?.event.content ?? null);
      rows.push({
        userId,
        eventId: event.eventId,
        roomId: event.roomId,
        streamOrdering: item.streamOrdering,
        threadId,
        actions: evaluation.actions,
        highlight: highlights(evaluation.actions),
      });
    }
    return rows;
  }

  private async powerLevelsAt(stateGroup: number, event: RoomEvent): Promise<PowerLevels> {
    const state = await this.stores.stateGroups.getStateForGroup(stateGroup);
    const powerLevelsId = state.get(stateKey('m.room.power_levels', ''));
    const createId = state.get(stateKey('m.room.create', ''));
    const ids = [powerLevelsId, createId].filter((id): id is string => id !== undefined);
    const stored = await this.stores.events.getEvents(ids);
    const powerLevels = powerLevelsId === undefined ? null : (stored.get(powerLevelsId)?.event ?? null);
    const create = createId === undefined ? (event.type === 'm.room.create' ? event : null) : (stored.get(createId)?.event ?? null);
    return PowerLevels.fromState(powerLevels, create, event.roomVersion);
  }

  /** Whether a redaction takes effect on its target (same server as the target's sender, or authorised). */
  private async redactionApplies(redaction: RoomEvent): Promise<boolean> {
    const target = await this.stores.events.getEvent(redaction.redacts!);
    if (!target || target.event.roomId !== redaction.roomId) return false;
    return target.event.senderDomain === redaction.senderDomain || redaction.internal.redactionAuthorised === true;
  }

  private isLocal(userId: string): boolean {
    return domainOf(userId) === this.stores.serverName;
  }
}

/** The event as push conditions see it: its JSON, without our unsigned data. */
function eventJson(event: RoomEvent): JsonObject {
  const { unsigned: _unsigned, ...rest } = event.pdu as unknown as JsonObject;
  return rest;
}

/** The recipient's display name in the room; for a member event about them (an invite), the one it carries. */
function displayNameOf(userId: string, joined: ReadonlyMap<string, MemberProfile>, event: RoomEvent): string | null {
  const fromState = joined.get(userId)?.displayName;
  if (fromState) return fromState;
  if (event.type === 'm.room.member' && event.stateKey === userId && typeof event.content.displayname === 'string') return event.content.displayname;
  return null;
}
