/**
 * `POST /account/deactivate`: after re-authenticating with the password, the user leaves (or rejects) every
 * room, the account is marked deactivated (no login, password cleared, pushers gone; with `erase` also the
 * profile) and every access token is revoked. Third-party identifiers are not supported, so none are unbound.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { RoomMembershipHandler } from '../rooms/roomMembershipHandler.ts';
import type { AccessTokenHandler } from './accessTokenHandler.ts';
import type { UserInteractiveAuth } from './userInteractiveAuth.ts';
import type { Logger } from '../../logging/logger.ts';

export class AccountDeactivationHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly uia: UserInteractiveAuth,
    private readonly tokens: AccessTokenHandler,
    private readonly memberships: RoomMembershipHandler,
    private readonly log: Logger,
  ) {}

  async deactivate(requester: Requester, body: JsonObject): Promise<{ id_server_unbind_result: 'no-support' }> {
    const erase = body.erase ?? false;
    if (typeof erase !== 'boolean') throw MatrixError.badJson('erase must be a boolean');
    if (body.id_server !== undefined && body.id_server !== null && typeof body.id_server !== 'string') throw MatrixError.badJson('id_server must be a string');
    await this.uia.authenticate({
      operation: `POST /account/deactivate ${requester.userId}`,
      flows: [['m.login.password']],
      auth: body.auth,
      requesterUserId: requester.userId,
    });
    const rooms = this.stores.members.getRoomsForLocalUserWhereMembershipIs(requester.userId, ['join', 'invite', 'knock']);
    for (const room of rooms) {
      try {
        await this.memberships.leave(requester, room.roomId, { reason: 'Account deactivated' });
      } catch (error) {
        // A room that cannot be left now (an unreachable remote room) must not keep the account alive.
        this.log.warn(`deactivating ${requester.userId}: could not leave ${room.roomId}: ${(error as Error).message}`);
      }
    }
    this.stores.accountDeactivation.deactivate(requester.userId, erase);
    this.tokens.logoutAll(requester.userId);
    return { id_server_unbind_result: 'no-support' };
  }
}
