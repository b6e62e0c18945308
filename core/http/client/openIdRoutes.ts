/** `POST /user/{userId}/openid/request_token`: an OpenID token for the requester, to prove who they are elsewhere. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { OpenIdTokenHandler } from '../../handlers/accounts/openIdTokenHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface OpenIdRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly openIdTokens: OpenIdTokenHandler;
  readonly maxBodyBytes: number;
}

export function openIdRoutes(deps: OpenIdRoutesDeps): Router {
  const router = new Router();
  router.post(clientV3('/user/:userId/openid/request_token'), requireAuth(deps.tokens), async (ctx) => {
    const requester = requesterOf(ctx);
    const userId = String(ctx.params.userId);
    // The body is an empty object, reserved for future use; it must still be one.
    await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
    ctx.body = deps.openIdTokens.requestToken(requester, userId);
  });
  return router;
}
