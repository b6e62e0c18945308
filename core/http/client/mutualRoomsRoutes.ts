/** `GET /_matrix/client/v1/mutual_rooms?user_id=...[&from=...]`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { MutualRoomsHandler } from '../../handlers/rooms/mutualRoomsHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { queryString } from '../requestFields.ts';
import { clientV1 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export function mutualRoomsRoutes(deps: { readonly tokens: AccessTokenHandler; readonly mutualRooms: MutualRoomsHandler }): Router {
  const router = new Router();
  router.get(clientV1('/mutual_rooms'), requireAuth(deps.tokens), async (ctx) => {
    if (Array.isArray(ctx.query.user_id)) throw MatrixError.invalidParam('Give user_id once');
    ctx.body = await deps.mutualRooms.mutualRooms(requesterOf(ctx), queryString(ctx.query, 'user_id'), queryString(ctx.query, 'from'));
  });
  return router;
}
