/**
 * The desktop admin API's routes under `/_desktop/api/` (types in adminApiTypes.ts). Every route is guarded:
 * this machine only, then the per-launch bearer token. Errors are Matrix errors like everywhere else.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../../handlers/matrixError.ts';
import { readJsonObject } from '../jsonBody.ts';
import type { AdminApiPrefix, AdminEndpoints, FederationPauseRequest, FederationStatus } from './adminApiTypes.ts';
import { adminTokenRequired, loopbackOnly } from './adminAuthentication.ts';
import type { AdminRoomsReader } from './adminRoomsReader.ts';
import { DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT } from './adminRoomsReader.ts';
import type { AdminDeviceLists } from './adminDeviceLists.ts';
import type { ConfigFileSettings } from './configFileSettings.ts';
import type { ServerHealth } from './serverHealth.ts';

export const ADMIN_API_PREFIX: AdminApiPrefix = '/_desktop/api';

export interface AdminRoutesDeps {
  readonly token: string;
  readonly health: ServerHealth;
  readonly rooms: AdminRoomsReader;
  readonly deviceLists: AdminDeviceLists;
  readonly settings: ConfigFileSettings;
  readonly setFederationPaused: (paused: boolean) => FederationStatus;
  readonly liveUpdates: (ctx: Context) => void;
  readonly maxBodyBytes: number;
}

/** Sets a typed response body (the compiler checks it against AdminEndpoints). */
function respond<E extends keyof AdminEndpoints>(ctx: Context, _endpoint: E, body: AdminEndpoints[E]['response']): void {
  ctx.body = body;
}

export function adminRoutes(deps: AdminRoutesDeps): Router {
  const router = new Router({ prefix: ADMIN_API_PREFIX });
  const guard = [loopbackOnly(), adminTokenRequired(deps.token)];
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false });

  router.get('/overview', ...guard, (ctx) => respond(ctx, 'GET /overview', deps.health.overview()));

  router.put('/federation/paused', ...guard, async (ctx) => {
    const request = await body(ctx);
    if (typeof request.paused !== 'boolean') throw MatrixError.badJson('paused must be true or false');
    respond(ctx, 'PUT /federation/paused', deps.setFederationPaused((request as unknown as FederationPauseRequest).paused));
  });

  router.get('/rooms', ...guard, async (ctx) => respond(ctx, 'GET /rooms', { rooms: await deps.rooms.list() }));

  router.get('/rooms/:roomId', ...guard, async (ctx) => {
    const limitText = typeof ctx.query.limit === 'string' ? ctx.query.limit : null;
    const limit = limitText === null ? DEFAULT_TIMELINE_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TIMELINE_LIMIT) throw MatrixError.invalidParam(`limit must be an integer from 1 to ${MAX_TIMELINE_LIMIT}`);
    respond(ctx, 'GET /rooms/{roomId}', await deps.rooms.detail(String(ctx.params.roomId), limit));
  });

  router.get('/devices', ...guard, (ctx) => respond(ctx, 'GET /devices', deps.deviceLists.report()));

  router.get('/settings', ...guard, (ctx) => respond(ctx, 'GET /settings', deps.settings.view()));
  router.put('/settings', ...guard, async (ctx) => respond(ctx, 'PUT /settings', deps.settings.update(await body(ctx))));

  router.get('/live', ...guard, (ctx) => deps.liveUpdates(ctx));
  return router;
}
