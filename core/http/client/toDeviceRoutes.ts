/** Send-to-device messaging: `PUT /sendToDevice/{eventType}/{txnId}`. */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { ToDeviceHandler } from '../../handlers/toDevice/toDeviceHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface ToDeviceRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly toDevice: ToDeviceHandler;
  readonly maxBodyBytes: number;
}

export function toDeviceRoutes(deps: ToDeviceRoutesDeps): Router {
  const router = new Router();
  router.put(clientV3('/sendToDevice/:eventType/:txnId'), requireAuth(deps.tokens), async (ctx) => {
    const body = await readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false });
    deps.toDevice.send(requesterOf(ctx), String(ctx.params.eventType), String(ctx.params.txnId), body);
    ctx.body = {};
  });
  return router;
}
