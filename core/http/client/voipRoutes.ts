/** `GET /voip/turnServer`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { TurnServerHandler } from '../../handlers/voip/turnServerHandler.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export function voipRoutes(deps: { readonly tokens: AccessTokenHandler; readonly turnServer: TurnServerHandler }): Router {
  const router = new Router();
  router.get(clientV3('/voip/turnServer'), requireAuth(deps.tokens), (ctx) => {
    ctx.body = deps.turnServer.credentials(requesterOf(ctx));
  });
  return router;
}
