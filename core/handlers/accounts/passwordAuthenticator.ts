/**
 * Checking a user's password, shared by /login and the `m.login.password` stage of user-interactive auth.
 * Failed attempts are rate-limited per account, so a password cannot be guessed quickly.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { verifyPassword } from '../../crypto/passwordHash.ts';
import type { UsersStore } from '../../storage/databases/main/usersStore.ts';
import { MatrixError } from '../matrixError.ts';
import { RateLimiter } from '../rateLimiter.ts';
import { identifiedUserId } from './userIdentifier.ts';
import type { StageValidator } from './userInteractiveAuth.ts';

export class PasswordAuthenticator {
  private readonly failures: RateLimiter;

  constructor(
    private readonly users: UsersStore,
    private readonly serverName: string,
    failuresPerAccount = { perSecond: 0.17, burst: 5 },
  ) {
    this.failures = new RateLimiter(failuresPerAccount);
  }

  /** The canonical user ID if `password` is right; 403 M_FORBIDDEN (or M_USER_DEACTIVATED) otherwise. */
  async check(claimedUserId: string, password: unknown): Promise<string> {
    if (typeof password !== 'string') throw MatrixError.badJson('password must be a string');
    const user = this.users.getUser(claimedUserId) ?? this.users.findUserIgnoringCase(claimedUserId);
    if (user?.deactivated) throw new MatrixError(403, 'M_USER_DEACTIVATED', 'This account has been deactivated');
    if (!user || user.passwordHash === null || !(await verifyPassword(password, user.passwordHash))) {
      this.failures.take(user?.userId ?? claimedUserId.toLowerCase());
      throw MatrixError.forbidden('Invalid username or password');
    }
    return user.userId;
  }

  /** The `m.login.password` stage: the identified user must be the requester (when there is one). */
  readonly stage: StageValidator = async (auth: JsonObject, context) => {
    const claimed = identifiedUserId(auth, this.serverName);
    const userId = await this.check(claimed, auth.password);
    if (context.requesterUserId !== null && userId !== context.requesterUserId) {
      throw MatrixError.forbidden('The password given belongs to another user');
    }
    return userId;
  };
}
