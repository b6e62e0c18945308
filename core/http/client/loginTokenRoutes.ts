/**
 * `POST /login/get_token` (v1): refused with 400, as the spec says for a user who may not generate login tokens;
 * capabilities advertise `m.get_login_token` as disabled, so clients do not offer sign-in by QR code.
 */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { clientV1 } from './clientPaths.ts';
import { requireAuth } from './clientAuthentication.ts';

export function loginTokenRoutes(deps: { readonly tokens: AccessTokenHandler }): Router {
  const router = new Router();
  router.post(clientV1('/login/get_token'), requireAuth(deps.tokens), () => {
    throw new MatrixError(400, 'M_FORBIDDEN', 'This server does not issue login tokens');
  });
  return router;
}
