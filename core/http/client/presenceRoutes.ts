/** `GET/PUT /presence/{userId}/status`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { PresenceHandler } from '../../handlers/presence/presenceHandler.ts';
import { isPresenceState } from '../../storage/databases/main/presenceStore.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { readJsonObject } from '../jsonBody.ts';
import { optionalString, requireString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface PresenceRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly presence: PresenceHandler;
  readonly maxBodyBytes: number;
}

export function presenceRoutes(deps: PresenceRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  router.get(clientV3('/presence/:userId/status'), auth, async (ctx) => {
    ctx.body = await deps.presence.getPresence(requesterOf(ctx), String(ctx.params.userId));
  });
  router.put(clientV3('/presence/:userId/status'), auth, async (ctx) => {
    const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false });
    const presence = requireString(body, 'presence');
    if (!isPresenceState(presence)) throw MatrixError.invalidParam('presence must be online, offline or unavailable');
    deps.presence.setPresence(requesterOf(ctx), String(ctx.params.userId), presence, optionalString(body, 'status_msg'));
    ctx.body = {};
  });
  return router;
}
