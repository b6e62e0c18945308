/** Profiles: read anyone's (local) profile, change your own display name and avatar. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { ProfileHandler } from '../../handlers/profile/profileHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
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
  for (const field of ['displayname', 'avatar_url'] as const) {
    router.get(clientV3(`/profile/:userId/${field}`), async (ctx) => {
      const profile = await deps.profiles.getProfile(String(ctx.params.userId));
      if (profile[field] === undefined) throw MatrixError.notFound(`The user has no ${field}`);
      ctx.body = { [field]: profile[field] };
    });
    router.put(clientV3(`/profile/:userId/${field}`), auth, async (ctx) => {
      const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
      if (!(field in body)) throw MatrixError.missingParam(`Missing ${field}`);
      const userId = String(ctx.params.userId);
      if (field === 'displayname') await deps.profiles.setDisplayName(requesterOf(ctx), userId, body[field]);
      else await deps.profiles.setAvatarUrl(requesterOf(ctx), userId, body[field]);
      ctx.body = {};
    });
  }
  return router;
}
