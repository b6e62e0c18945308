/**
 * Creating a local account: used by the `register-user` CLI, the desktop app's first run, and /register.
 * The localpart is lower-cased (the spec asks servers to downcase new usernames) and must then follow the
 * strict user ID grammar.
 */
import { hashPassword, type PasswordHashCost } from '../../crypto/passwordHash.ts';
import { isValidUserLocalpart } from '../../events/identifiers.ts';
import type { UsersStore } from '../../storage/databases/main/usersStore.ts';
import { MatrixError } from '../matrixError.ts';

export interface LocalUserRegistrationDeps {
  readonly serverName: string;
  readonly users: UsersStore;
  readonly passwordCost?: PasswordHashCost;
  readonly now?: () => number;
}

export interface NewLocalUser {
  readonly localpart: string;
  /** Null creates an account that cannot log in with a password. */
  readonly password: string | null;
  readonly admin?: boolean;
  readonly displayName?: string;
}

export const MAX_PASSWORD_LENGTH = 512;

export async function registerLocalUser(deps: LocalUserRegistrationDeps, user: NewLocalUser): Promise<string> {
  const localpart = user.localpart.toLowerCase();
  if (localpart === '' || !isValidUserLocalpart(localpart)) {
    throw new MatrixError(400, 'M_INVALID_USERNAME', 'User ID can only contain characters a-z, 0-9, or "=_-./+"');
  }
  const userId = `@${localpart}:${deps.serverName}`;
  if (Buffer.byteLength(userId) > 255) throw new MatrixError(400, 'M_INVALID_USERNAME', 'User ID may not be longer than 255 bytes');
  if (user.password !== null && (user.password.length === 0 || user.password.length > MAX_PASSWORD_LENGTH)) {
    throw new MatrixError(400, 'M_WEAK_PASSWORD', `Password must be between 1 and ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (deps.users.getUser(userId)) throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.');
  const passwordHash = user.password === null ? null : await hashPassword(user.password, deps.passwordCost);
  const created = deps.users.createUser({
    userId,
    passwordHash,
    admin: user.admin ?? false,
    displayName: user.displayName ?? localpart,
    creationTs: (deps.now ?? Date.now)(),
  });
  // Checked again at insert time: another process may have taken the name while we hashed.
  if (!created) throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.');
  return userId;
}
