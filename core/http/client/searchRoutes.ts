/** `POST /search` (room events, full text). */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { parseSearchBody, type SearchHandler } from '../../handlers/search/searchHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface SearchRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly search: SearchHandler;
  readonly maxBodyBytes: number;
}

export function searchRoutes(deps: SearchRoutesDeps): Router {
  const router = new Router();
  router.post(clientV3('/search'), requireAuth(deps.tokens), async (ctx) => {
    const criteria = parseSearchBody(await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false }));
    ctx.body = await deps.search.search(requesterOf(ctx), criteria, queryString(ctx.query, 'next_batch'));
  });
  return router;
}
