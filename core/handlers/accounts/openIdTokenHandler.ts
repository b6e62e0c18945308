/**
 * OpenID tokens: a user asks for one (`POST /user/{userId}/openid/request_token`) and hands it to another
 * service (an integration manager, a widget), which asks our federation API (`GET /openid/userinfo`) whose it
 * is. They prove identity and nothing else: they are not access tokens. Stored hashed, valid for an hour.
 */
import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../crypto/base64.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { hashAccessToken } from './accessTokenHandler.ts';

export const OPENID_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export interface OpenIdTokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly matrix_server_name: string;
  /** Seconds. */
  readonly expires_in: number;
}

export class OpenIdTokenHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly now: () => number = Date.now,
  ) {}

  requestToken(requester: Requester, userId: string): OpenIdTokenResponse {
    if (requester.userId !== userId) throw MatrixError.forbidden('You can only request OpenID tokens for yourself');
    const token = encodeBase64Url(randomBytes(32));
    const now = this.now();
    this.stores.openIdTokens.add(hashAccessToken(token), userId, now + OPENID_TOKEN_LIFETIME_MS, now);
    return { access_token: token, token_type: 'Bearer', matrix_server_name: this.stores.serverName, expires_in: OPENID_TOKEN_LIFETIME_MS / 1000 };
  }

  /** The user ID a token was issued to; 401 M_UNKNOWN_TOKEN when unknown, expired, or its owner is deactivated. */
  userInfo(token: string | null): { sub: string } {
    if (token === null || token === '') throw new MatrixError(401, 'M_MISSING_TOKEN', 'An access_token query parameter is required');
    const userId = this.stores.openIdTokens.ownerOf(hashAccessToken(token), this.now());
    const user = userId === null ? null : this.stores.users.getUser(userId);
    if (userId === null || !user || user.deactivated) throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Access token unknown or expired');
    return { sub: userId };
  }
}
