/**
 * The refresh-token part of /login and /register: the client opts in with `refresh_token: true` and then gets
 * `refresh_token` and `expires_in_ms` next to its access token.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { MatrixError } from '../matrixError.ts';
import type { NewSession } from './accessTokenHandler.ts';

export function wantsRefreshToken(body: JsonObject): boolean {
  const value = body.refresh_token;
  if (value !== undefined && value !== null && typeof value !== 'boolean') throw MatrixError.badJson('refresh_token must be a boolean');
  return value === true;
}

export function refreshFields(session: NewSession): { refresh_token?: string; expires_in_ms?: number } {
  return session.refreshToken === undefined || session.expiresInMs === undefined ? {} : { refresh_token: session.refreshToken, expires_in_ms: session.expiresInMs };
}
