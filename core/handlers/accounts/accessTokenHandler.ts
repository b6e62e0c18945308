/**
 * Sessions: each login creates (or reuses) a device and a 256-bit random access token, stored only as its
 * SHA-256 hash. Tokens are checked on every authenticated request and can be revoked singly, per device, or all.
 */
import { createHash, randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../crypto/base64.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { CacheInvalidationStream } from '../../storage/controllers/cacheInvalidationStream.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { DeviceListChangeRecorder, DeviceListPublisher } from '../devices/deviceListPublisher.ts';

export const ACCESS_TOKEN_PREFIX = 'hth_';

export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewSession {
  readonly accessToken: string;
  readonly deviceId: string;
}

export function newDeviceId(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from(randomBytes(10), (b) => letters[b % 26]).join('');
}

export class AccessTokenHandler {
  private deviceLists: DeviceListPublisher | null = null;

  constructor(
    private readonly stores: DataStores,
    private readonly invalidations: CacheInvalidationStream,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A login that creates a device is a device-list change, as in Synapse: room-mates' clients (and other
   * servers) learn of the device at once, before it uploads keys. Set by the E2EE handlers, built after this.
   */
  setDeviceListPublisher(publisher: DeviceListPublisher): void {
    this.deviceLists = publisher;
  }

  /** Creates a session for `userId` on `deviceId` (a new random device when absent). */
  createSession(userId: string, deviceId: string | null, displayName: string | null): NewSession {
    const device = deviceId ?? newDeviceId();
    const accessToken = ACCESS_TOKEN_PREFIX + encodeBase64Url(randomBytes(32));
    const write = (changes: DeviceListChangeRecorder | null) => {
      if (this.stores.devices.ensureDevice(userId, device, displayName)) changes?.devicesChanged(userId, [device]);
      this.stores.accessTokens.addToken(hashAccessToken(accessToken), userId, device, this.now());
    };
    if (this.deviceLists) this.deviceLists.write(write);
    else this.stores.db.transaction(() => write(null))();
    return { accessToken, deviceId: device };
  }

  /** The requester behind a token; 401 M_UNKNOWN_TOKEN for unknown, expired or deactivated ones. */
  async authenticate(accessToken: string): Promise<Requester> {
    const tokenHash = hashAccessToken(accessToken);
    const owner = await this.stores.accessTokens.getTokenOwner(tokenHash);
    if (!owner || (owner.validUntilMs !== null && owner.validUntilMs < this.now())) {
      throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false });
    }
    const user = this.stores.users.getUser(owner.userId);
    if (!user || user.deactivated) throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false });
    return { userId: owner.userId, deviceId: owner.deviceId, tokenId: owner.tokenId, tokenHash, isAdmin: user.admin };
  }

  /** Revokes the token of this request. */
  logout(requester: Requester): void {
    this.forget(this.stores.accessTokens.deleteToken(requester.tokenHash));
  }

  /** Revokes every token of the user (their devices stay until deleted). */
  logoutAll(userId: string): void {
    this.forget(this.stores.accessTokens.deleteAllTokens(userId));
  }

  /** Revokes every token of one device. */
  revokeDevice(userId: string, deviceId: string): void {
    this.forget(this.stores.accessTokens.deleteTokensForDevice(userId, deviceId));
  }

  /** Revokes every token of the user except `keepTokenId` (password change with logout_devices). */
  revokeOthers(userId: string, keepTokenId: number): void {
    this.forget(this.stores.accessTokens.deleteAllTokens(userId, keepTokenId));
  }

  private forget(hashes: readonly string[]): void {
    // Streamed, so that other instances stop accepting the tokens too.
    this.invalidations.invalidateAndStream(hashes.map((hash) => ({ cacheName: 'getTokenOwner', key: [hash] })));
  }
}
