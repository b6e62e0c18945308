/**
 * A stream's position as this instance sees it. On the stream's writer it is the ID generator's current token;
 * on other instances it is what replication has reported (and whose cache invalidations have been applied).
 * Readers wait on it: /sync wakes when it moves, and a non-writer send returns once it reached the new event.
 */
import type { StreamIdGenerator } from '../storage/engine/streamIdGenerator.ts';

export interface StreamPosition {
  current(): number;
  /** Resolves true once the position is at least `position`, or false after `timeoutMs`. */
  waitFor(position: number, timeoutMs?: number): Promise<boolean>;
  onAdvance(listener: (position: number) => void): () => void;
}

/** A position that callers advance (replication) and others wait on. */
export class TrackedStreamPosition implements StreamPosition {
  private position: number;
  private readonly listeners = new Set<(position: number) => void>();

  constructor(initial: number) {
    this.position = initial;
  }

  current(): number {
    return this.position;
  }

  advanceTo(position: number): void {
    if (position <= this.position) return;
    this.position = position;
    for (const listener of [...this.listeners]) listener(position);
  }

  onAdvance(listener: (position: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  waitFor(position: number, timeoutMs?: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = this.onAdvance((now) => {
        if (now < position) return;
        stop();
        if (timer) clearTimeout(timer);
        resolve(true);
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          stop();
          resolve(this.position >= position);
        }, timeoutMs);
      }
    });
  }
}

/** The writer's view: follows its own ID generator. */
export function generatorStreamPosition(generator: StreamIdGenerator): StreamPosition {
  const tracked = new TrackedStreamPosition(generator.getCurrentToken());
  generator.onAdvance((token) => tracked.advanceTo(token));
  return tracked;
}
