/**
 * `GET /_desktop/api/live`: server-sent events for the UI, fed by the notifier (every stream's notifications,
 * through `observeAll`) and by the events/s sampler's ticks. Notifications are coalesced over a short window so
 * a busy room costs one message per window, not one per event. The stream ends when the client goes away or
 * the server stops (the notifier's shutdown signal), so it never holds shutdown open.
 */
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { Notification, Notifier } from '../../replication/notifier.ts';
import { EVENTS_STREAM } from '../../replication/eventNotifications.ts';
import { DEVICE_LISTS_STREAM } from '../../handlers/devices/deviceListPublisher.ts';
import type { LiveUpdate } from './adminApiTypes.ts';
import type { EventRateSampler } from './eventRateSampler.ts';
import type { ServerHealth } from './serverHealth.ts';

export interface LiveUpdatesDeps {
  readonly notifier: Notifier;
  readonly health: ServerHealth;
  readonly sampler: EventRateSampler;
  /** How long notifications are gathered before one message goes out. */
  readonly coalesceMs?: number;
  /** A comment line this often keeps idle proxies and browsers from closing the stream. */
  readonly keepAliveMs?: number;
}

/** Serialises one update as a server-sent event. */
export function formatServerSentEvent(update: LiveUpdate): string {
  return `event: ${update.type}\ndata: ${JSON.stringify(update)}\n\n`;
}

export function liveUpdatesHandler(deps: LiveUpdatesDeps) {
  return function liveUpdates(ctx: Context): void {
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    // The connection is closed with the stream, so a stopping server is not left waiting on an idle keep-alive.
    ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', Connection: 'close' });
    ctx.body = stream;

    const send = (update: LiveUpdate) => {
      if (!stream.writableEnded) stream.write(formatServerSentEvent(update));
    };
    let roomIds = new Set<string>();
    let roomPosition: number | null = null;
    let deviceUsers = new Set<string>();
    let devicePosition: number | null = null;
    let flushTimer: NodeJS.Timeout | null = null;
    const flush = () => {
      flushTimer = null;
      if (roomPosition !== null) send({ type: 'room_events', position: roomPosition, room_ids: [...roomIds].sort() });
      if (devicePosition !== null) send({ type: 'device_lists', position: devicePosition, user_ids: [...deviceUsers].sort() });
      roomIds = new Set();
      deviceUsers = new Set();
      roomPosition = devicePosition = null;
    };
    const observe = (n: Notification) => {
      if (n.stream === EVENTS_STREAM) {
        if (n.roomId) roomIds.add(n.roomId);
        roomPosition = Math.max(roomPosition ?? n.position, n.position);
      } else if (n.stream === DEVICE_LISTS_STREAM && n.userIds) {
        // Room-wide notifications of the same change are left out: they carry no user.
        for (const userId of n.userIds) deviceUsers.add(userId);
        devicePosition = Math.max(devicePosition ?? n.position, n.position);
      } else {
        return;
      }
      flushTimer ??= setTimeout(flush, deps.coalesceMs ?? 100);
    };

    stream.write('retry: 2000\n\n');
    send({ type: 'health', tick: deps.health.tick() });
    const stopObserving = deps.notifier.observeAll(observe);
    const stopTicks = deps.sampler.onSample(() => send({ type: 'health', tick: deps.health.tick() }));
    const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), deps.keepAliveMs ?? 15_000);
    keepAlive.unref();

    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      stopObserving();
      stopTicks();
      clearInterval(keepAlive);
      if (flushTimer) clearTimeout(flushTimer);
      deps.notifier.shutdown.removeEventListener('abort', close);
      stream.end();
    };
    // The response's close (not the request's, which fires once a GET has been read) means the client left.
    ctx.res.on('close', close);
    stream.on('close', close);
    if (deps.notifier.shutdown.aborted) close();
    else deps.notifier.shutdown.addEventListener('abort', close);
  };
}
