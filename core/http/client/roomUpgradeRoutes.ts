/** `POST /rooms/{roomId}/upgrade`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { RoomUpgradeHandler } from '../../handlers/upgrades/roomUpgradeHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { requireString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';
import { roomIdParam } from './pathParams.ts';

export function roomUpgradeRoutes(deps: { readonly tokens: AccessTokenHandler; readonly roomUpgrades: RoomUpgradeHandler; readonly maxBodyBytes: number }): Router {
  const router = new Router();
  router.post(clientV3('/rooms/:roomId/upgrade'), requireAuth(deps.tokens), async (ctx) => {
    const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
    ctx.body = await deps.roomUpgrades.upgrade(requesterOf(ctx), roomIdParam(ctx), requireString(body, 'new_version'));
  });
  return router;
}
