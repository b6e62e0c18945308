/**
 * `GET /_matrix/federation/v1/openid/userinfo?access_token=...`: whose OpenID token this is. Called by any
 * service a user gave a token to, so it is not X-Matrix authenticated: the token is the credential.
 */
import Router from '@koa/router';
import type { OpenIdTokenHandler } from '../../handlers/accounts/openIdTokenHandler.ts';
import { queryString } from '../requestFields.ts';

export function openIdUserInfoRoutes(openIdTokens: OpenIdTokenHandler): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/openid/userinfo', (ctx) => {
    ctx.body = openIdTokens.userInfo(queryString(ctx.query, 'access_token'));
  });
  return router;
}
