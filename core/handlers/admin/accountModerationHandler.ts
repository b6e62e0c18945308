/**
 * `GET/PUT /_matrix/client/v1/admin/lock/{userId}` and `/admin/suspend/{userId}` (spec v1.18 "Server
 * administration"; locking v1.12, suspension v1.13): server admins lock or suspend local accounts, reversibly.
 * Permission is checked before the user is looked up, so that others cannot learn who exists. Admins cannot
 * lock or suspend themselves or another admin. Sessions are kept: a lock only makes them answer M_USER_LOCKED
 * (accessTokenHandler.ts), a suspension limits what they may do (accountSuspension.ts).
 */
import { domainOf, isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { UserRecord } from '../../storage/databases/main/usersStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export type ModerationFlag = 'locked' | 'suspended';

export class AccountModerationHandler {
  constructor(private readonly stores: DataStores) {}

  get(requester: Requester, userId: string, flag: ModerationFlag): { [K in ModerationFlag]?: boolean } {
    const user = this.target(requester, userId);
    return { [flag]: user[flag] };
  }

  /** `value` is the request body's field, checked after the requester's permission. */
  set(requester: Requester, userId: string, flag: ModerationFlag, value: unknown): { [K in ModerationFlag]?: boolean } {
    const user = this.target(requester, userId);
    if (value === undefined) throw MatrixError.missingParam(`Missing ${flag}`);
    if (typeof value !== 'boolean') throw MatrixError.badJson(`${flag} must be a boolean`);
    if (user.userId === requester.userId) throw MatrixError.forbidden(`You cannot change whether your own account is ${flag}`);
    if (flag === 'locked') this.stores.users.setLocked(user.userId, value);
    else this.stores.users.setSuspended(user.userId, value);
    return { [flag]: value };
  }

  /** The local, active user an admin may moderate (or read the state of). */
  private target(requester: Requester, userId: string): UserRecord {
    if (!requester.isAdmin) throw MatrixError.forbidden('Requesting user is not a server administrator');
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    if (domainOf(userId) !== this.stores.serverName) throw MatrixError.invalidParam('User does not belong to the local server');
    const user = this.stores.users.getUser(userId);
    if (!user || user.deactivated) throw MatrixError.notFound('User not found');
    if (user.admin && user.userId !== requester.userId) throw MatrixError.forbidden('The user is another server administrator');
    return user;
  }
}
