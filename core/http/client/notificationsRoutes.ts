/** `GET /notifications`: the events the user was notified about (client-server API, "Listing Notifications"). */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { NotificationsHandler } from '../../handlers/push/notificationsHandler.ts';
import { queryInteger, queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface NotificationsRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly notifications: NotificationsHandler;
}

export function notificationsRoutes(deps: NotificationsRoutesDeps): Router {
  const router = new Router();
  router.get(clientV3('/notifications'), requireAuth(deps.tokens), async (ctx) => {
    ctx.body = await deps.notifications.list(requesterOf(ctx), {
      from: queryString(ctx.query, 'from'),
      limit: queryInteger(ctx.query, 'limit', { min: 0 }),
      only: queryString(ctx.query, 'only'),
    });
  });
  return router;
}
