/** Device management: `GET /devices`, `GET/PUT/DELETE /devices/{deviceId}`, `POST /delete_devices`. */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { DeviceHandler } from '../../handlers/devices/deviceHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface DevicesRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly devices: DeviceHandler;
  readonly maxBodyBytes: number;
}

export function devicesRoutes(deps: DevicesRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  // DELETE requests often come without a body on their first (user-interactive auth) round.
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: true });

  router.get(clientV3('/devices'), auth, (ctx) => {
    ctx.body = { devices: deps.devices.listDevices(requesterOf(ctx).userId) };
  });
  router.get(clientV3('/devices/:deviceId'), auth, (ctx) => {
    ctx.body = deps.devices.getDevice(requesterOf(ctx).userId, String(ctx.params.deviceId));
  });
  router.put(clientV3('/devices/:deviceId'), auth, async (ctx) => {
    deps.devices.updateDevice(requesterOf(ctx).userId, String(ctx.params.deviceId), await body(ctx));
    ctx.body = {};
  });
  router.delete(clientV3('/devices/:deviceId'), auth, async (ctx) => {
    await deps.devices.deleteDevice(requesterOf(ctx), String(ctx.params.deviceId), await body(ctx));
    ctx.body = {};
  });
  router.post(clientV3('/delete_devices'), auth, async (ctx) => {
    await deps.devices.deleteDevices(requesterOf(ctx), await body(ctx));
    ctx.body = {};
  });
  return router;
}
