/**
 * `POST /register`: closed by default; when enabled, open with `m.login.dummy` or, when a registration token is
 * configured, behind the `m.login.registration_token` stage. Guests are not supported.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { PasswordHashCost } from '../../crypto/passwordHash.ts';
import type { RegistrationConfig } from '../../config/homeserverConfig.ts';
import { isValidUserLocalpart } from '../../events/identifiers.ts';
import type { UsersStore } from '../../storage/databases/main/usersStore.ts';
import { MatrixError } from '../matrixError.ts';
import { RateLimiter } from '../rateLimiter.ts';
import type { AccessTokenHandler } from './accessTokenHandler.ts';
import { newDeviceId } from './accessTokenHandler.ts';
import { registerLocalUser } from './localUserRegistration.ts';
import { UserInteractiveAuth, type AuthStage } from './userInteractiveAuth.ts';
import { refreshFields, wantsRefreshToken } from './refreshTokenRequest.ts';

export interface RegisterResponse {
  readonly user_id: string;
  readonly home_server: string;
  readonly access_token?: string;
  readonly device_id?: string;
  readonly refresh_token?: string;
  readonly expires_in_ms?: number;
}

export class RegistrationHandler {
  private readonly uia: UserInteractiveAuth;
  private readonly perAddress = new RateLimiter({ perSecond: 0.17, burst: 3 });

  constructor(
    private readonly serverName: string,
    private readonly config: RegistrationConfig,
    private readonly users: UsersStore,
    private readonly tokens: AccessTokenHandler,
    private readonly passwordCost?: PasswordHashCost,
  ) {
    this.uia = new UserInteractiveAuth({
      'm.login.dummy': async () => null,
      'm.login.registration_token': async (auth) => {
        if (typeof auth.token !== 'string' || !this.isValidToken(auth.token)) throw new MatrixError(401, 'M_UNAUTHORIZED', 'Invalid registration token');
        return null;
      },
    });
  }

  get flows(): AuthStage[][] {
    return [this.config.token === null ? ['m.login.dummy'] : ['m.login.registration_token']];
  }

  isValidToken(token: string): boolean {
    return this.config.enabled && this.config.token !== null && token === this.config.token;
  }

  private assertEnabled(): void {
    if (!this.config.enabled) throw MatrixError.forbidden('Registration has been disabled');
  }

  async register(body: JsonObject, kind: string, clientAddress: string): Promise<RegisterResponse> {
    this.assertEnabled();
    if (kind === 'guest') throw new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access is disabled');
    if (kind !== 'user') throw MatrixError.invalidParam(`Unknown kind ${JSON.stringify(kind)}`);
    const username = body.username;
    if (username !== undefined && username !== null && typeof username !== 'string') throw MatrixError.badJson('username must be a string');
    const password = body.password;
    if (password !== undefined && password !== null && typeof password !== 'string') throw MatrixError.badJson('password must be a string');
    const refreshable = wantsRefreshToken(body);
    // Check the name before making the client jump through authentication.
    if (typeof username === 'string') this.checkUsername(username);
    await this.uia.authenticate({ operation: 'POST /register', flows: this.flows, auth: body.auth });
    this.perAddress.take(clientAddress);
    if (typeof password !== 'string') throw MatrixError.missingParam('Missing password');
    const localpart = typeof username === 'string' ? username : newDeviceId().toLowerCase();
    const userId = await registerLocalUser(
      { serverName: this.serverName, users: this.users, ...(this.passwordCost ? { passwordCost: this.passwordCost } : {}) },
      { localpart, password },
    );
    if (body.inhibit_login === true) return { user_id: userId, home_server: this.serverName };
    const deviceId = typeof body.device_id === 'string' && body.device_id !== '' ? body.device_id : null;
    const displayName = typeof body.initial_device_display_name === 'string' ? body.initial_device_display_name : null;
    const session = this.tokens.createSession(userId, deviceId, displayName, refreshable);
    return { user_id: userId, home_server: this.serverName, access_token: session.accessToken, device_id: session.deviceId, ...refreshFields(session) };
  }

  /** `GET /register/available`: throws M_USER_IN_USE or M_INVALID_USERNAME, else the name is free. */
  checkAvailable(username: string): void {
    this.assertEnabled();
    this.checkUsername(username);
  }

  private checkUsername(username: string): void {
    const localpart = username.toLowerCase();
    if (localpart === '' || !isValidUserLocalpart(localpart)) {
      throw new MatrixError(400, 'M_INVALID_USERNAME', 'User ID can only contain characters a-z, 0-9, or "=_-./+"');
    }
    if (this.users.getUser(`@${localpart}:${this.serverName}`)) throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.');
  }
}
