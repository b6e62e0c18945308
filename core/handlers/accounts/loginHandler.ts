/**
 * `GET/POST /login`: password login only (token login is not offered). Each login creates a device and an
 * access token; naming an existing device reuses it and revokes its old tokens, as the spec asks.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { MatrixError } from '../matrixError.ts';
import { RateLimiter } from '../rateLimiter.ts';
import type { AccessTokenHandler } from './accessTokenHandler.ts';
import type { PasswordAuthenticator } from './passwordAuthenticator.ts';
import { identifiedUserId } from './userIdentifier.ts';
import { refreshFields, wantsRefreshToken } from './refreshTokenRequest.ts';

export interface LoginResponse {
  readonly user_id: string;
  readonly access_token: string;
  readonly device_id: string;
  readonly home_server: string;
  readonly well_known: { readonly 'm.homeserver': { readonly base_url: string } };
  /** When the client asked for refresh tokens (`refresh_token: true`); the access token then expires. */
  readonly refresh_token?: string;
  readonly expires_in_ms?: number;
}

export const LOGIN_FLOWS = [{ type: 'm.login.password' }] as const;

export class LoginHandler {
  private readonly perAddress = new RateLimiter({ perSecond: 0.5, burst: 10 });

  constructor(
    private readonly serverName: string,
    private readonly baseUrl: string,
    private readonly passwords: PasswordAuthenticator,
    private readonly tokens: AccessTokenHandler,
  ) {}

  async login(body: JsonObject, clientAddress: string): Promise<LoginResponse> {
    this.perAddress.take(clientAddress);
    const type = body.type;
    if (type !== 'm.login.password') {
      throw new MatrixError(400, 'M_UNKNOWN', `Unknown login type ${JSON.stringify(type)}`);
    }
    const userId = await this.passwords.check(identifiedUserId(body, this.serverName), body.password);
    const deviceId = body.device_id;
    if (deviceId !== undefined && deviceId !== null && (typeof deviceId !== 'string' || deviceId === '' || deviceId.length > 255)) {
      throw MatrixError.badJson('device_id must be a non-empty string');
    }
    const displayName = body.initial_device_display_name;
    if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') {
      throw MatrixError.badJson('initial_device_display_name must be a string');
    }
    const refreshable = wantsRefreshToken(body);
    if (typeof deviceId === 'string') this.tokens.revokeDevice(userId, deviceId);
    const session = this.tokens.createSession(userId, typeof deviceId === 'string' ? deviceId : null, typeof displayName === 'string' ? displayName : null, refreshable);
    return {
      user_id: userId,
      access_token: session.accessToken,
      device_id: session.deviceId,
      home_server: this.serverName,
      well_known: { 'm.homeserver': { base_url: this.baseUrl } },
      ...refreshFields(session),
    };
  }
}
