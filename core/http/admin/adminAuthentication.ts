/**
 * Guards every admin request: only from this machine (the peer's socket address is loopback; proxies' headers
 * are ignored), and only with the per-launch bearer token in the Authorization header. The order matters: a
 * remote peer learns nothing about the token. The admin API answers only its own renderer, so the client API's
 * permissive CORS headers are taken off its responses.
 */
import type { Context, Next } from 'koa';
import { MatrixError } from '../../handlers/matrixError.ts';
import { CORS_HEADERS } from '../cors.ts';
import { isLoopbackAddress } from './loopbackAddress.ts';
import { adminTokenMatches } from './adminToken.ts';

/** Refuses peers that are not on this machine with 403 M_FORBIDDEN. */
export function loopbackOnly() {
  return async function loopbackOnlyMiddleware(ctx: Context, next: Next): Promise<void> {
    for (const header of Object.keys(CORS_HEADERS)) ctx.remove(header);
    if (!isLoopbackAddress(ctx.req.socket.remoteAddress)) {
      throw MatrixError.forbidden('The desktop admin API only answers requests from this machine');
    }
    await next();
  };
}

/** Requires `Authorization: Bearer <token>`: 401 M_MISSING_TOKEN without one, 401 M_UNKNOWN_TOKEN for a wrong one. */
export function adminTokenRequired(token: string) {
  return async function adminTokenMiddleware(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('Authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new MatrixError(401, 'M_MISSING_TOKEN', 'The desktop admin API needs its bearer token');
    if (!adminTokenMatches(token, match[1]!)) throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unknown admin token (it changes at every launch)');
    await next();
  };
}
