/** `POST /user_directory/search`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { DEFAULT_DIRECTORY_LIMIT, MAX_DIRECTORY_LIMIT, type UserDirectoryHandler } from '../../handlers/userDirectory/userDirectoryHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { readJsonObject } from '../jsonBody.ts';
import { optionalInteger, requireString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface UserDirectoryRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly userDirectory: UserDirectoryHandler;
  readonly maxBodyBytes: number;
}

export function userDirectoryRoutes(deps: UserDirectoryRoutesDeps): Router {
  const router = new Router();
  router.post(clientV3('/user_directory/search'), requireAuth(deps.tokens), async (ctx) => {
    const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
    const term = requireString(body, 'search_term');
    const limit = optionalInteger(body, 'limit') ?? DEFAULT_DIRECTORY_LIMIT;
    if (limit < 0) throw MatrixError.invalidParam('limit must not be negative');
    ctx.body = deps.userDirectory.search(requesterOf(ctx), term, Math.min(limit, MAX_DIRECTORY_LIMIT));
  });
  return router;
}
