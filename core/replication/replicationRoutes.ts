/**
 * The events writer's replication endpoints, served to the other instances of this server on the listener
 * named for it in `instance_map` (loopback only):
 *   POST /_hearth/replication/v1/send_event   persist an event built on another instance, answer its position
 *   GET  /_hearth/replication/v1/positions    long-poll for stream positions and cache invalidations
 */
import Router from '@koa/router';
import type { EventsPersistenceController } from '../storage/controllers/eventsPersistenceController.ts';
import type { CacheInvalidationStream } from '../storage/controllers/cacheInvalidationStream.ts';
import { RoomEvent, type EventInternalMetadata } from '../events/roomEvent.ts';
import { getRoomVersion, isKnownRoomVersion } from '../events/roomVersions.ts';
import { assertValidPdu } from '../events/eventValidation.ts';
import { readJsonObject } from '../http/jsonBody.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import type { StreamPosition } from './streamPosition.ts';
import type { EventContext } from '../state/eventContext.ts';
import type { ReplicatedEventRequest, PositionsResponse } from './replicationProtocol.ts';

export interface ReplicationRoutesDeps {
  readonly persistence: EventsPersistenceController;
  readonly events: StreamPosition;
  readonly invalidations: CacheInvalidationStream;
  readonly cachesPosition: StreamPosition;
  readonly maxBodyBytes: number;
  /** Aborted at shutdown: waiting long-polls answer at once. */
  readonly shutdown: AbortSignal;
}

/** Counts of what the writer served, for tests and the health page. */
export interface ReplicationServerStats {
  sendEventCalls: number;
}

export const MAX_POSITIONS_WAIT_MS = 30_000;

export function replicationRoutes(deps: ReplicationRoutesDeps, stats: ReplicationServerStats = { sendEventCalls: 0 }): Router {
  const router = new Router({ prefix: '/_hearth/replication/v1' });

  router.post('/send_event', async (ctx) => {
    stats.sendEventCalls++;
    const body = (await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes })) as unknown as ReplicatedEventRequest;
    if (!isKnownRoomVersion(body.room_version)) throw MatrixError.badJson('unknown room_version');
    const roomVersion = getRoomVersion(body.room_version);
    const pdu = assertValidPdu(body.event, roomVersion);
    const event = RoomEvent.fromPdu(pdu, roomVersion, (body.internal ?? {}) as EventInternalMetadata);
    if (event.eventId !== body.event_id) throw MatrixError.badJson('event_id does not match the event');
    const context: EventContext = {
      stateGroupBefore: body.context.state_group_before,
      stateGroupAfter: body.context.state_group_after,
      rejectedReason: body.context.rejected_reason,
    };
    const persisted = await deps.persistence.persistEvent(event, context);
    ctx.body = { stream_ordering: persisted.streamOrdering };
  });

  router.get('/positions', async (ctx) => {
    const eventsAfter = Number(ctx.query.events_after ?? 0);
    const cachesAfter = Number(ctx.query.caches_after ?? 0);
    const timeout = Math.min(Number(ctx.query.timeout ?? 0) || 0, MAX_POSITIONS_WAIT_MS);
    if (!Number.isInteger(eventsAfter) || !Number.isInteger(cachesAfter)) throw MatrixError.invalidParam('positions must be integers');
    if (deps.events.current() <= eventsAfter && deps.cachesPosition.current() <= cachesAfter && timeout > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stopEvents();
          stopCaches();
          clearTimeout(timer);
          deps.shutdown.removeEventListener('abort', done);
          resolve();
        };
        deps.shutdown.addEventListener('abort', done);
        const stopEvents = deps.events.onAdvance(done);
        const stopCaches = deps.cachesPosition.onAdvance(done);
        const timer = setTimeout(done, timeout);
        ctx.res.once('close', done);
      });
    }
    // Invalidations first, then the events position they belong with: a follower applies them before moving.
    const caches = deps.cachesPosition.current();
    const response: PositionsResponse = {
      caches,
      invalidations: deps.invalidations.rowsBetween(cachesAfter, caches).map((r) => ({ stream_id: r.streamId, cache: r.cacheName, key: r.key })),
      events: deps.events.current(),
    };
    ctx.body = response;
  });

  return router;
}
