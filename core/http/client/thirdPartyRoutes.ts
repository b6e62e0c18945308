/**
 * `/thirdparty/*`: this server bridges to no third-party networks (it has no application services), so it knows
 * no protocols: the protocol list is empty, lookups by protocol are 404 (unknown protocol), and reverse lookups
 * find nothing.
 */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requireAuth } from './clientAuthentication.ts';

export function thirdPartyRoutes(deps: { readonly tokens: AccessTokenHandler }): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const unknownProtocol = () => MatrixError.notFound('Unknown protocol');
  router.get(clientV3('/thirdparty/protocols'), auth, (ctx) => {
    ctx.body = {};
  });
  router.get(clientV3('/thirdparty/protocol/:protocol'), auth, () => {
    throw unknownProtocol();
  });
  router.get(clientV3('/thirdparty/location/:protocol'), auth, () => {
    throw unknownProtocol();
  });
  router.get(clientV3('/thirdparty/user/:protocol'), auth, () => {
    throw unknownProtocol();
  });
  router.get(clientV3('/thirdparty/location'), auth, (ctx) => {
    if (!queryString(ctx.query, 'alias')) throw MatrixError.missingParam('Missing alias');
    ctx.body = [];
  });
  router.get(clientV3('/thirdparty/user'), auth, (ctx) => {
    if (!queryString(ctx.query, 'userid')) throw MatrixError.missingParam('Missing userid');
    ctx.body = [];
  });
  return router;
}
