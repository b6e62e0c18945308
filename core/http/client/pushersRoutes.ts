/** `GET /pushers` and `POST /pushers/set`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { PushersHandler } from '../../handlers/pushers/pushersHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface PushersRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly pushers: PushersHandler;
  readonly maxBodyBytes: number;
}

export function pushersRoutes(deps: PushersRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  router.get(clientV3('/pushers'), auth, (ctx) => {
    ctx.body = deps.pushers.list(requesterOf(ctx));
  });
  router.post(clientV3('/pushers/set'), auth, async (ctx) => {
    deps.pushers.set(requesterOf(ctx), await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false }));
    ctx.body = {};
  });
  return router;
}
