/** `GET /_matrix/client/v1/room_summary/{roomIdOrAlias}[?via=...]`; authentication is optional. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { RoomSummaryHandler } from '../../handlers/rooms/roomSummaryHandler.ts';
import { clientV1 } from './clientPaths.ts';
import { optionalAuth, optionalRequesterOf } from './clientAuthentication.ts';

export function roomSummaryRoutes(deps: { readonly tokens: AccessTokenHandler; readonly roomSummaries: RoomSummaryHandler }): Router {
  const router = new Router();
  router.get(clientV1('/room_summary/:roomIdOrAlias'), optionalAuth(deps.tokens), async (ctx) => {
    const via = ctx.query.via;
    const servers = via === undefined ? [] : Array.isArray(via) ? via : [via];
    ctx.body = await deps.roomSummaries.summary(optionalRequesterOf(ctx), String(ctx.params.roomIdOrAlias), servers);
  });
  return router;
}
