/** `GET /rooms/{roomId}/hierarchy` (client-server v1). */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { DEFAULT_HIERARCHY_LIMIT, MAX_HIERARCHY_LIMIT, type SpaceHierarchyHandler } from '../../handlers/spaces/spaceHierarchyHandler.ts';
import { queryBoolean, queryInteger, queryString } from '../requestFields.ts';
import { clientV1 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';
import { roomIdParam } from './pathParams.ts';

export function spaceHierarchyRoutes(deps: { readonly tokens: AccessTokenHandler; readonly spaces: SpaceHierarchyHandler }): Router {
  const router = new Router();
  router.get(clientV1('/rooms/:roomId/hierarchy'), requireAuth(deps.tokens), async (ctx) => {
    ctx.body = await deps.spaces.hierarchy(requesterOf(ctx), roomIdParam(ctx), {
      suggestedOnly: queryBoolean(ctx.query, 'suggested_only', false),
      maxDepth: queryInteger(ctx.query, 'max_depth', { min: 0 }),
      limit: Math.min(queryInteger(ctx.query, 'limit', { min: 1 }) ?? DEFAULT_HIERARCHY_LIMIT, MAX_HIERARCHY_LIMIT),
      from: queryString(ctx.query, 'from') || null,
    });
  });
  return router;
}
