/**
 * Live updates from `GET /_desktop/api/live` (server-sent events). Read through fetch rather than EventSource
 * so the token travels in the Authorization header, never in a URL. Reconnects after a pause when the stream
 * breaks (the server restarted, the machine slept).
 */
import type { LiveUpdate } from '../../../core/http/admin/adminApiTypes.ts';
import { ADMIN_API_PREFIX } from './adminClient.ts';

export type LiveListener = (update: LiveUpdate) => void;
export type ConnectionListener = (connected: boolean) => void;

/** Splits a server-sent-events text buffer into complete events; returns them and the unfinished rest. */
export function parseServerSentEvents(buffer: string): { updates: LiveUpdate[]; rest: string } {
  const updates: LiveUpdate[] = [];
  const blocks = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    try {
      updates.push(JSON.parse(data) as LiveUpdate);
    } catch {
      // A damaged message is skipped; the next one carries fresh positions anyway.
    }
  }
  return { updates, rest };
}

export class LiveUpdates {
  private readonly listeners = new Set<LiveListener>();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private controller: AbortController | null = null;
  private stopped = false;
  connected = false;

  constructor(
    private readonly token: string,
    private readonly reconnectMs = 2_000,
  ) {}

  start(): void {
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConnection(listener: ConnectionListener): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    for (const listener of this.connectionListeners) listener(connected);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.controller = new AbortController();
      try {
        const response = await fetch(`${ADMIN_API_PREFIX}/live`, { headers: { Authorization: `Bearer ${this.token}` }, signal: this.controller.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        this.setConnected(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const parsed = parseServerSentEvents(buffer + value);
          buffer = parsed.rest;
          for (const update of parsed.updates) for (const listener of this.listeners) listener(update);
        }
      } catch {
        // Broken or refused: wait, then try again (unless stopped).
      }
      this.setConnected(false);
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.reconnectMs));
    }
  }
}
