/**
 * Wakes whoever waits for news of a user (a long-polling /sync, the UI): writers tell the notifier that a stream
 * reached a position with news for some users (`notifyUsers`), for a room's members (`notifyRoom`) or for
 * everyone (`notifyAll`), and waiters listen on their user and rooms.
 *
 * A waiter never misses news that arrives while it computes its answer: it starts listening *before* reading the
 * stream positions it answers up to, and then waits only for news beyond those positions. A notification must
 * therefore be sent only once its position is visible (the stream's current token has reached it). Stream names
 * are free-form (`events`, `account_data`, `receipts`, `typing`, `presence`, `to_device`, `device_lists`, ...);
 * a waiter that does not track a stream's position treats any notification on it as news.
 *
 * Shutdown (the signal given at construction) wakes every waiter at once.
 */

export interface Notification {
  readonly stream: string;
  readonly position: number;
  /** Users concerned; absent for room and global notifications. */
  readonly userIds?: readonly string[];
  /** The room concerned; absent for user and global notifications. */
  readonly roomId?: string;
}

export type NotificationObserver = (notification: Notification) => void;

export class Notifier {
  private readonly listenersByKey = new Map<string, Set<NotifierListener>>();
  private readonly listeners = new Set<NotifierListener>();
  private readonly observers = new Set<NotificationObserver>();

  constructor(readonly shutdown: AbortSignal = new AbortController().signal) {
    shutdown.addEventListener('abort', () => {
      for (const listener of this.listeners) listener.wake();
    });
  }

  /** News on `stream` at `position` for these users. */
  notifyUsers(stream: string, position: number, userIds: Iterable<string>): void {
    const users = [...new Set(userIds)];
    if (users.length === 0) return;
    for (const userId of users) this.deliver(userKey(userId), stream, position);
    this.observe({ stream, position, userIds: users });
  }

  /** News on `stream` at `position` for whoever listens on the room (its members). */
  notifyRoom(stream: string, position: number, roomId: string): void {
    this.deliver(roomKey(roomId), stream, position);
    this.observe({ stream, position, roomId });
  }

  /** News on `stream` at `position` that may concern anyone (e.g. the events stream moved on another instance). */
  notifyAll(stream: string, position: number): void {
    for (const listener of this.listeners) listener.record(stream, position);
    this.observe({ stream, position });
  }

  /**
   * Starts recording notifications for a user and the rooms they are in. Close the listener when done; it keeps
   * nothing alive after that.
   */
  listen(userId: string, roomIds: Iterable<string>): NotifierListener {
    const keys = [userKey(userId), ...[...roomIds].map(roomKey)];
    const listener = new NotifierListener(this.shutdown, () => {
      this.listeners.delete(listener);
      for (const key of keys) {
        const set = this.listenersByKey.get(key);
        set?.delete(listener);
        if (set?.size === 0) this.listenersByKey.delete(key);
      }
    });
    this.listeners.add(listener);
    for (const key of keys) {
      let set = this.listenersByKey.get(key);
      if (!set) this.listenersByKey.set(key, (set = new Set()));
      set.add(listener);
    }
    return listener;
  }

  /** Sees every notification (for the UI and other in-process followers). Returns an unsubscribe function. */
  observeAll(observer: NotificationObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Listeners currently open (for tests and the health page). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  private deliver(key: string, stream: string, position: number): void {
    const set = this.listenersByKey.get(key);
    if (set) for (const listener of set) listener.record(stream, position);
  }

  private observe(notification: Notification): void {
    for (const observer of this.observers) {
      try {
        observer(notification);
      } catch {
        // An observer's failure must not stop the writer that notified.
      }
    }
  }
}

/** The notifications one waiter has received since it started listening. */
export class NotifierListener {
  private readonly seen = new Map<string, number>();
  private waiting: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly shutdown: AbortSignal,
    private readonly detach: () => void,
  ) {}

  /** @internal Called by the notifier. */
  record(stream: string, position: number): void {
    if (this.closed) return;
    const previous = this.seen.get(stream);
    if (previous === undefined || position > previous) this.seen.set(stream, position);
    this.wake();
  }

  /** @internal Called by the notifier (news or shutdown). */
  wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  /** Whether a notification beyond `covered` (stream name → position already answered) has been recorded. */
  hasNewsBeyond(covered: Readonly<Record<string, number>>): boolean {
    for (const [stream, position] of this.seen) {
      const known = covered[stream];
      if (known === undefined || position > known) return true;
    }
    return false;
  }

  /**
   * Resolves true as soon as there is news beyond `covered` (at once if it already arrived), false when
   * `timeoutMs` passes, `signal` aborts (the client went away) or the server shuts down.
   */
  async waitBeyond(covered: Readonly<Record<string, number>>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (this.hasNewsBeyond(covered)) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.shutdown.aborted || signal?.aborted) return false;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          if (this.waiting === done) this.waiting = null;
          resolve();
        };
        const timer = setTimeout(done, remaining);
        signal?.addEventListener('abort', done);
        this.waiting = done;
      });
    }
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.detach();
  }
}

function userKey(userId: string): string {
  return `u ${userId}`;
}

function roomKey(roomId: string): string {
  return `r ${roomId}`;
}
