/** `POST /rooms/{roomId}/report`, `POST /rooms/{roomId}/report/{eventId}` and `POST /users/{userId}/report`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { ReportsHandler } from '../../handlers/reports/reportsHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { isAcceptableUserId } from '../../events/identifiers.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';
import { eventIdParam, roomIdParam } from './pathParams.ts';

export interface ReportRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly reports: ReportsHandler;
  readonly maxBodyBytes: number;
}

export function reportRoutes(deps: ReportRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  router.post(clientV3('/rooms/:roomId/report'), auth, async (ctx) => {
    await deps.reports.reportRoom(requesterOf(ctx), roomIdParam(ctx), await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes }));
    ctx.body = {};
  });
  router.post(clientV3('/rooms/:roomId/report/:eventId'), auth, async (ctx) => {
    await deps.reports.reportEvent(requesterOf(ctx), roomIdParam(ctx), eventIdParam(ctx), await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes }));
    ctx.body = {};
  });
  router.post(clientV3('/users/:userId/report'), auth, async (ctx) => {
    const userId = String(ctx.params.userId);
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    await deps.reports.reportUser(requesterOf(ctx), userId, await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes }));
    ctx.body = {};
  });
  return router;
}
