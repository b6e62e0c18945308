/**
 * Accounts: login, logout, whoami, token refresh, registration (with username availability and
 * registration-token validity), password change and capabilities.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { LOGIN_FLOWS, type LoginHandler } from '../../handlers/accounts/loginHandler.ts';
import type { RegistrationHandler } from '../../handlers/accounts/registrationHandler.ts';
import type { PasswordChangeHandler } from '../../handlers/accounts/passwordChangeHandler.ts';
import { DEFAULT_ROOM_VERSION, roomVersionCapabilities } from '../../events/roomVersions.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { readJsonObject } from '../jsonBody.ts';
import { queryString, requireString } from '../requestFields.ts';
import { clientV1, clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface AccountRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly login: LoginHandler;
  readonly registration: RegistrationHandler;
  readonly passwordChange: PasswordChangeHandler;
  readonly maxBodyBytes: number;
}

export function accountRoutes(deps: AccountRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  // The spec lets a locked account log out (and nothing else).
  const logoutAuth = requireAuth(deps.tokens, { allowLocked: true });
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });

  router.get(clientV3('/login'), (ctx) => {
    ctx.body = { flows: LOGIN_FLOWS };
  });
  router.post(clientV3('/login'), async (ctx) => {
    ctx.body = await deps.login.login(await body(ctx), ctx.ip);
  });
  // Authenticated by the refresh token in the body, not by an access token (the old one may have expired).
  router.post(clientV3('/refresh'), async (ctx) => {
    const refreshed = deps.tokens.refresh(requireString(await body(ctx), 'refresh_token'));
    ctx.body = { access_token: refreshed.accessToken, refresh_token: refreshed.refreshToken, expires_in_ms: refreshed.expiresInMs };
  });
  router.post(clientV3('/logout'), logoutAuth, (ctx) => {
    deps.tokens.logout(requesterOf(ctx));
    ctx.body = {};
  });
  router.post(clientV3('/logout/all'), logoutAuth, (ctx) => {
    deps.tokens.logoutAll(requesterOf(ctx).userId);
    ctx.body = {};
  });
  router.get(clientV3('/account/whoami'), auth, (ctx) => {
    const { userId, deviceId } = requesterOf(ctx);
    ctx.body = { user_id: userId, device_id: deviceId, is_guest: false };
  });

  router.post(clientV3('/register'), async (ctx) => {
    const kind = queryString(ctx.query, 'kind') ?? 'user';
    ctx.body = await deps.registration.register(await body(ctx), kind, ctx.ip);
  });
  router.get(clientV3('/register/available'), (ctx) => {
    const username = queryString(ctx.query, 'username');
    if (username === null) throw MatrixError.missingParam('Missing username');
    deps.registration.checkAvailable(username);
    ctx.body = { available: true };
  });
  router.get(clientV1('/register/m.login.registration_token/validity'), (ctx) => {
    const token = queryString(ctx.query, 'token');
    if (token === null) throw MatrixError.missingParam('Missing token');
    if (!deps.registration.isValidToken(token) && !deps.registration.flows.some((f) => f.includes('m.login.registration_token'))) {
      throw MatrixError.forbidden('Registration by token is not enabled');
    }
    ctx.body = { valid: deps.registration.isValidToken(token) };
  });

  router.post(clientV3('/account/password'), auth, async (ctx) => {
    await deps.passwordChange.changePassword(requesterOf(ctx), await body(ctx));
    ctx.body = {};
  });

  router.get(clientV3('/capabilities'), auth, (ctx) => {
    ctx.body = {
      capabilities: {
        'm.change_password': { enabled: true },
        'm.room_versions': { default: DEFAULT_ROOM_VERSION, available: roomVersionCapabilities() },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: false },
        'm.get_login_token': { enabled: false },
        // Every field, displayname and avatar_url included, may be changed by its owner.
        'm.profile_fields': { enabled: true },
        // Only server admins may lock and suspend accounts; for others the spec omits the capability.
        ...(requesterOf(ctx).isAdmin ? { 'm.account_moderation': { lock: true, suspend: true } } : {}),
      },
    };
  });
  return router;
}
