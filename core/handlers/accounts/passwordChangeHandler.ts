/** `POST /account/password`: re-authenticates with the current password, sets the new one, and by default logs out every other session. */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { hashPassword, type PasswordHashCost } from '../../crypto/passwordHash.ts';
import type { UsersStore } from '../../storage/databases/main/usersStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { AccessTokenHandler } from './accessTokenHandler.ts';
import { MAX_PASSWORD_LENGTH } from './localUserRegistration.ts';
import type { UserInteractiveAuth } from './userInteractiveAuth.ts';

export class PasswordChangeHandler {
  constructor(
    private readonly users: UsersStore,
    private readonly tokens: AccessTokenHandler,
    private readonly uia: UserInteractiveAuth,
    private readonly passwordCost?: PasswordHashCost,
  ) {}

  async changePassword(requester: Requester, body: JsonObject): Promise<void> {
    const newPassword = body.new_password;
    if (newPassword === undefined || newPassword === null) throw MatrixError.missingParam('Missing new_password');
    if (typeof newPassword !== 'string') throw MatrixError.badJson('new_password must be a string');
    if (newPassword.length === 0 || newPassword.length > MAX_PASSWORD_LENGTH) {
      throw new MatrixError(400, 'M_WEAK_PASSWORD', `Password must be between 1 and ${MAX_PASSWORD_LENGTH} characters`);
    }
    const logoutDevices = body.logout_devices;
    if (logoutDevices !== undefined && typeof logoutDevices !== 'boolean') throw MatrixError.badJson('logout_devices must be a boolean');
    await this.uia.authenticate({
      operation: `POST /account/password ${requester.userId}`,
      flows: [['m.login.password']],
      auth: body.auth,
      requesterUserId: requester.userId,
    });
    this.users.setPasswordHash(requester.userId, await hashPassword(newPassword, this.passwordCost));
    if (logoutDevices !== false) this.tokens.revokeOthers(requester.userId, requester.tokenId);
  }
}
