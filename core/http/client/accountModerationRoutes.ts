/** `GET/PUT /_matrix/client/v1/admin/lock/{userId}` and `/admin/suspend/{userId}` ("Server administration"). */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { AccountModerationHandler, ModerationFlag } from '../../handlers/admin/accountModerationHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV1 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface AccountModerationRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly accountModeration: AccountModerationHandler;
  readonly maxBodyBytes: number;
}

export function accountModerationRoutes(deps: AccountModerationRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  for (const [segment, flag] of [['lock', 'locked'], ['suspend', 'suspended']] as const satisfies readonly (readonly [string, ModerationFlag])[]) {
    router.get(clientV1(`/admin/${segment}/:userId`), auth, (ctx) => {
      ctx.body = deps.accountModeration.get(requesterOf(ctx), String(ctx.params.userId), flag);
    });
    router.put(clientV1(`/admin/${segment}/:userId`), auth, async (ctx) => {
      const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
      ctx.body = deps.accountModeration.set(requesterOf(ctx), String(ctx.params.userId), flag, body[flag]);
    });
  }
  return router;
}
