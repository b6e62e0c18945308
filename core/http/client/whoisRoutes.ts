/** `GET /admin/whois/{userId}` (client-server v3, "Server administration"). */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { WhoisHandler } from '../../handlers/admin/whoisHandler.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export function whoisRoutes(deps: { readonly tokens: AccessTokenHandler; readonly whois: WhoisHandler }): Router {
  const router = new Router();
  router.get(clientV3('/admin/whois/:userId'), requireAuth(deps.tokens), (ctx) => {
    ctx.body = deps.whois.whois(requesterOf(ctx), String(ctx.params.userId));
  });
  return router;
}
