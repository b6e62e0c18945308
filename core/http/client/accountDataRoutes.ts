/**
 * Account data, global and per room (`/user/{userId}[/rooms/{roomId}]/account_data/{type}`), and room tags
 * (`/user/{userId}/rooms/{roomId}/tags[/{tag}]`), which are the `m.tag` room account data.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { AccountDataHandler } from '../../handlers/accountData/accountDataHandler.ts';
import type { RoomTagsHandler } from '../../handlers/accountData/roomTagsHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface AccountDataRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly accountData: AccountDataHandler;
  readonly roomTags: RoomTagsHandler;
  readonly maxBodyBytes: number;
}

export function accountDataRoutes(deps: AccountDataRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false });
  const param = (ctx: Context, name: string) => String(ctx.params[name]);

  router.put(clientV3('/user/:userId/account_data/:type'), auth, async (ctx) => {
    const content = await body(ctx);
    deps.accountData.setFromClient(requesterOf(ctx), param(ctx, 'userId'), null, param(ctx, 'type'), content);
    ctx.body = {};
  });
  router.get(clientV3('/user/:userId/account_data/:type'), auth, async (ctx) => {
    ctx.body = await deps.accountData.getForClient(requesterOf(ctx), param(ctx, 'userId'), null, param(ctx, 'type'));
  });
  router.put(clientV3('/user/:userId/rooms/:roomId/account_data/:type'), auth, async (ctx) => {
    const content = await body(ctx);
    deps.accountData.setFromClient(requesterOf(ctx), param(ctx, 'userId'), param(ctx, 'roomId'), param(ctx, 'type'), content);
    ctx.body = {};
  });
  router.get(clientV3('/user/:userId/rooms/:roomId/account_data/:type'), auth, async (ctx) => {
    ctx.body = await deps.accountData.getForClient(requesterOf(ctx), param(ctx, 'userId'), param(ctx, 'roomId'), param(ctx, 'type'));
  });

  router.get(clientV3('/user/:userId/rooms/:roomId/tags'), auth, (ctx) => {
    ctx.body = deps.roomTags.getTags(requesterOf(ctx), param(ctx, 'userId'), param(ctx, 'roomId'));
  });
  router.put(clientV3('/user/:userId/rooms/:roomId/tags/:tag'), auth, async (ctx) => {
    const content = await body(ctx);
    deps.roomTags.setTag(requesterOf(ctx), param(ctx, 'userId'), param(ctx, 'roomId'), param(ctx, 'tag'), content);
    ctx.body = {};
  });
  router.delete(clientV3('/user/:userId/rooms/:roomId/tags/:tag'), auth, (ctx) => {
    deps.roomTags.deleteTag(requesterOf(ctx), param(ctx, 'userId'), param(ctx, 'roomId'), param(ctx, 'tag'));
    ctx.body = {};
  });
  return router;
}
