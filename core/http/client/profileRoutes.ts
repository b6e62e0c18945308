/** Profiles: read anyone's profile or one field of it; set and delete fields of your own. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { ProfileHandler } from '../../handlers/profile/profileHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface ProfileRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly profiles: ProfileHandler;
  readonly maxBodyBytes: number;
}

export function profileRoutes(deps: ProfileRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);

  router.get(clientV3('/profile/:userId'), async (ctx) => {
    ctx.body = await deps.profiles.getProfile(String(ctx.params.userId));
  });
  router.get(clientV3('/profile/:userId/:keyName'), async (ctx) => {
    ctx.body = await deps.profiles.getField(String(ctx.params.userId), String(ctx.params.keyName));
  });
  router.put(clientV3('/profile/:userId/:keyName'), auth, async (ctx) => {
    const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
    await deps.profiles.setField(requesterOf(ctx), String(ctx.params.userId), String(ctx.params.keyName), body);
    ctx.body = {};
  });
  router.delete(clientV3('/profile/:userId/:keyName'), auth, async (ctx) => {
    await deps.profiles.deleteField(requesterOf(ctx), String(ctx.params.userId), String(ctx.params.keyName));
    ctx.body = {};
  });
  return router;
}
