/**
 * Typing notifications: who is typing in which room, kept in memory only (they are worthless after a restart)
 * with a timer per typist. Every change moves the in-memory `typing` stream and wakes the room's /sync waiters;
 * a room remembers the stream position of its last change so that an incremental sync sends its `m.typing` only
 * when it changed. Only joined members may type, and only as themselves; a member who leaves the room (left,
 * kicked, banned; ours or another server's) stops typing at once, as in Synapse, rather than when the timer ends.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventsPersistenceController, PersistedBatch } from '../../storage/controllers/eventsPersistenceController.ts';
import type { Notifier } from '../../replication/notifier.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export const TYPING_STREAM = 'typing';
/** How long a typing notification lasts when the client gives no timeout. */
export const DEFAULT_TYPING_TIMEOUT_MS = 30_000;
/** Longer requested timeouts are cut to this, so a forgotten "typing" does not linger. */
export const MAX_TYPING_TIMEOUT_MS = 120_000;

interface RoomTyping {
  readonly typists: Map<string, NodeJS.Timeout>;
  /** Typing stream position of the room's last change. */
  lastChange: number;
}

/** Told when a local user starts or stops typing (federation sends it to the other servers in the room). */
export type LocalTypingListener = (roomId: string, userId: string, typing: boolean, timeoutMs: number) => void;

export class TypingHandler {
  private position = 0;
  private readonly rooms = new Map<string, RoomTyping>();
  private readonly localListeners = new Set<LocalTypingListener>();

  constructor(
    private readonly stores: DataStores,
    private readonly notifier: Notifier,
    shutdown: AbortSignal,
    persistence: EventsPersistenceController | null = null,
  ) {
    shutdown.addEventListener('abort', () => {
      for (const room of this.rooms.values()) for (const timer of room.typists.values()) clearTimeout(timer);
    });
    persistence?.onPersisted((batch) => this.stopLeavers(batch));
  }

  /** `PUT /rooms/{roomId}/typing/{userId}`. */
  async setTyping(requester: Requester, roomId: string, userId: string, typing: boolean, timeoutMs: number | null): Promise<void> {
    if (userId !== requester.userId) throw MatrixError.forbidden('Cannot set the typing state of another user');
    const rooms = await this.stores.members.getRoomsForUser(userId);
    if (!rooms.includes(roomId)) throw MatrixError.forbidden(`User ${userId} is not in room ${roomId}`);
    const timeout = Math.min(Math.max(timeoutMs ?? DEFAULT_TYPING_TIMEOUT_MS, 0), MAX_TYPING_TIMEOUT_MS);
    if (typing) this.start(roomId, userId, timeout);
    else this.stop(roomId, userId);
    for (const listener of this.localListeners) listener(roomId, userId, typing, timeout);
  }

  onLocalTyping(listener: LocalTypingListener): () => void {
    this.localListeners.add(listener);
    return () => this.localListeners.delete(listener);
  }

  /** A typing notification from another server (already checked: the user is theirs and in the room). */
  setRemoteTyping(roomId: string, userId: string, typing: boolean, timeoutMs = DEFAULT_TYPING_TIMEOUT_MS): void {
    if (typing) this.start(roomId, userId, Math.min(timeoutMs, MAX_TYPING_TIMEOUT_MS));
    else this.stop(roomId, userId);
  }

  /** The typing stream's current position. */
  currentPosition(): number {
    return this.position;
  }

  /** Who is typing in the room now, sorted. */
  typingUsers(roomId: string): string[] {
    return [...(this.rooms.get(roomId)?.typists.keys() ?? [])].sort();
  }

  /** Whether the room's typing list changed after `position`. */
  changedSince(roomId: string, position: number): boolean {
    return (this.rooms.get(roomId)?.lastChange ?? 0) > position;
  }

  /** Rooms whose typing list changed in (from, to]. */
  roomsChangedBetween(from: number, to: number): string[] {
    const rooms: string[] = [];
    for (const [roomId, room] of this.rooms) if (room.lastChange > from && room.lastChange <= to) rooms.push(roomId);
    return rooms;
  }

  /** Members whose new membership is no longer `join` stop typing (the other members' /syncs hear of it). */
  private stopLeavers(batch: PersistedBatch): void {
    if (batch.backfilled || !this.rooms.has(batch.roomId)) return;
    for (const { event, context } of batch.events) {
      if (event.type !== 'm.room.member' || event.stateKey === null || event.membership === 'join') continue;
      if (context.rejectedReason !== null || event.internal.outlier === true || event.internal.softFailed === true) continue;
      this.stop(batch.roomId, event.stateKey);
    }
  }

  private start(roomId: string, userId: string, timeoutMs: number): void {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { typists: new Map(), lastChange: 0 }));
    const existing = room.typists.get(userId);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => this.stop(roomId, userId), timeoutMs);
    timer.unref();
    room.typists.set(userId, timer);
    // Renewing a typing notification changes nothing others can see.
    if (!existing) this.changed(roomId, room);
  }

  private stop(roomId: string, userId: string): void {
    const room = this.rooms.get(roomId);
    const timer = room?.typists.get(userId);
    if (!room || !timer) return;
    clearTimeout(timer);
    room.typists.delete(userId);
    this.changed(roomId, room);
  }

  private changed(roomId: string, room: RoomTyping): void {
    room.lastChange = ++this.position;
    this.notifier.notifyRoom(TYPING_STREAM, this.position, roomId);
  }
}
