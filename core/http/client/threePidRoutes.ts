/**
 * Third-party identifiers (email, phone): this server has none and supports no identity server, so the list is
 * empty, adding or binding one is refused, validation emails or texts are never sent, and removing or unbinding
 * one (there are none) succeeds with nothing to do.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { readJsonObject } from '../jsonBody.ts';
import { requireString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requireAuth } from './clientAuthentication.ts';

export function threePidRoutes(deps: { readonly tokens: AccessTokenHandler; readonly maxBodyBytes: number }): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
  const unsupported = () => MatrixError.forbidden('Third-party identifiers are not supported on this server');

  router.get(clientV3('/account/3pid'), auth, (ctx) => {
    ctx.body = { threepids: [] };
  });
  for (const path of ['/account/3pid', '/account/3pid/add', '/account/3pid/bind']) {
    router.post(clientV3(path), auth, async (ctx) => {
      await body(ctx);
      throw unsupported();
    });
  }
  for (const path of ['/account/3pid/delete', '/account/3pid/unbind']) {
    router.post(clientV3(path), auth, async (ctx) => {
      const b = await body(ctx);
      requireString(b, 'medium');
      requireString(b, 'address');
      ctx.body = { id_server_unbind_result: 'no-support' };
    });
  }
  // Validation tokens are never sent: no address may be used for registration, password reset or the account.
  for (const path of ['/account/3pid/email/requestToken', '/account/3pid/msisdn/requestToken', '/register/email/requestToken', '/register/msisdn/requestToken']) {
    router.post(clientV3(path), async (ctx) => {
      await body(ctx);
      throw new MatrixError(403, 'M_THREEPID_DENIED', 'Third-party identifiers are not supported on this server');
    });
  }
  for (const path of ['/account/password/email/requestToken', '/account/password/msisdn/requestToken']) {
    router.post(clientV3(path), async (ctx) => {
      await body(ctx);
      throw new MatrixError(400, 'M_THREEPID_NOT_FOUND', 'No account is associated with this address');
    });
  }
  return router;
}
