/** `PUT /rooms/{roomId}/typing/{userId}` with `{typing, timeout}`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { TypingHandler } from '../../handlers/typing/typingHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { isValidRoomId } from '../../events/identifiers.ts';
import { readJsonObject } from '../jsonBody.ts';
import { optionalInteger } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface TypingRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly typing: TypingHandler;
  readonly maxBodyBytes: number;
}

export function typingRoutes(deps: TypingRoutesDeps): Router {
  const router = new Router();
  router.put(clientV3('/rooms/:roomId/typing/:userId'), requireAuth(deps.tokens), async (ctx) => {
    const roomId = String(ctx.params.roomId);
    if (!isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a valid room ID`);
    const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false });
    const typing = body.typing;
    if (typing === undefined || typing === null) throw MatrixError.missingParam('Missing required parameter: typing');
    if (typeof typing !== 'boolean') throw MatrixError.badJson('Parameter typing must be a boolean');
    const timeout = optionalInteger(body, 'timeout');
    await deps.typing.setTyping(requesterOf(ctx), roomId, String(ctx.params.userId), typing, timeout);
    ctx.body = {};
  });
  return router;
}
