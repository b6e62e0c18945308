/** Stored /sync filters: `POST /user/{userId}/filter`, `GET /user/{userId}/filter/{filterId}`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { FilterHandler } from '../../handlers/sync/filterHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface FilterRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly filters: FilterHandler;
  readonly maxBodyBytes: number;
}

export function filterRoutes(deps: FilterRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  router.post(clientV3('/user/:userId/filter'), auth, async (ctx) => {
    const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false });
    ctx.body = { filter_id: deps.filters.createFilter(requesterOf(ctx), String(ctx.params.userId), body) };
  });
  router.get(clientV3('/user/:userId/filter/:filterId'), auth, async (ctx) => {
    ctx.body = await deps.filters.getFilter(requesterOf(ctx), String(ctx.params.userId), String(ctx.params.filterId));
  });
  return router;
}
