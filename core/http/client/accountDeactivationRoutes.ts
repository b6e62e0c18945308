/** `POST /account/deactivate`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { AccountDeactivationHandler } from '../../handlers/accounts/accountDeactivationHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export function accountDeactivationRoutes(deps: { readonly tokens: AccessTokenHandler; readonly accountDeactivation: AccountDeactivationHandler; readonly maxBodyBytes: number }): Router {
  const router = new Router();
  router.post(clientV3('/account/deactivate'), requireAuth(deps.tokens), async (ctx) => {
    ctx.body = await deps.accountDeactivation.deactivate(requesterOf(ctx), await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes }));
  });
  return router;
}
