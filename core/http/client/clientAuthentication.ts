/**
 * Access-token authentication for client endpoints: the token comes from `Authorization: Bearer` or the
 * deprecated `access_token` query parameter. No token is 401 `M_MISSING_TOKEN`; a bad one 401 `M_UNKNOWN_TOKEN`.
 */
import type { Context, Next } from 'koa';
import type { AccessTokenHandler, AuthenticateOptions } from '../../handlers/accounts/accessTokenHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import type { Requester } from '../../handlers/requester.ts';

export function accessTokenOf(ctx: Context): string | null {
  const header = ctx.get('Authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Invalid Authorization header', { soft_logout: false });
    return match[1]!;
  }
  const query = ctx.query.access_token;
  if (typeof query === 'string' && query !== '') return query;
  return null;
}

export interface AuthenticatedState {
  requester: Requester;
}

/**
 * Middleware: authenticates the request and puts the requester in `ctx.state.requester`. A locked account's
 * requests are refused (401 M_USER_LOCKED) unless `allowLocked`.
 */
export function requireAuth(tokens: AccessTokenHandler, options: AuthenticateOptions = {}) {
  return async function requireAuthMiddleware(ctx: Context, next: Next): Promise<void> {
    const token = accessTokenOf(ctx);
    if (token === null) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
    (ctx.state as AuthenticatedState).requester = await tokens.authenticate(token, options);
    await next();
  };
}

/**
 * Middleware for endpoints where authentication is optional (the room summary): a request without a token goes
 * on as anonymous, but a token that is given must be valid.
 */
export function optionalAuth(tokens: AccessTokenHandler) {
  return async function optionalAuthMiddleware(ctx: Context, next: Next): Promise<void> {
    const token = accessTokenOf(ctx);
    if (token !== null) (ctx.state as AuthenticatedState).requester = await tokens.authenticate(token);
    await next();
  };
}

/** The requester of a route behind optionalAuth; null for an anonymous request. */
export function optionalRequesterOf(ctx: Context): Requester | null {
  return (ctx.state as Partial<AuthenticatedState>).requester ?? null;
}

/** The requester of an authenticated route. */
export function requesterOf(ctx: Context): Requester {
  const requester = (ctx.state as Partial<AuthenticatedState>).requester;
  if (!requester) throw new Error('route is not behind requireAuth');
  return requester;
}
