/** `GET /rooms/{roomId}/timestamp_to_event` (client-server v1). */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { TimestampToEventHandler } from '../../handlers/rooms/timestampToEventHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { queryInteger, queryString } from '../requestFields.ts';
import { clientV1 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';
import { roomIdParam } from './pathParams.ts';

export function timestampToEventRoutes(deps: { readonly tokens: AccessTokenHandler; readonly timestampToEvent: TimestampToEventHandler }): Router {
  const router = new Router();
  router.get(clientV1('/rooms/:roomId/timestamp_to_event'), requireAuth(deps.tokens), async (ctx) => {
    const ts = queryInteger(ctx.query, 'ts', { min: 0 });
    if (ts === null) throw MatrixError.missingParam('Missing ts');
    const dir = queryString(ctx.query, 'dir');
    if (dir !== 'f' && dir !== 'b') throw MatrixError.invalidParam('dir must be "f" or "b"');
    ctx.body = await deps.timestampToEvent.closestEvent(requesterOf(ctx), roomIdParam(ctx), ts, dir);
  });
  return router;
}
