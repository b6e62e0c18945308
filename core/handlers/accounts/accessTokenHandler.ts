/**
 * Sessions: each login creates (or reuses) a device and a 256-bit random access token, stored only as its
 * SHA-256 hash. Tokens are checked on every authenticated request and can be revoked singly, per device, or all.
 *
 * A client that supports refresh tokens gets one with an access token that expires (Synapse's
 * `refreshable_access_token_lifetime`, 5 minutes by default). `/refresh` exchanges the refresh token for a new
 * pair; the old pair stays valid until the new one is used (the client may have lost the answer), then both
 * old tokens are revoked, so a consumed refresh token is unknown from then on.
 */
import { createHash, randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../crypto/base64.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { CacheInvalidationStream } from '../../storage/controllers/cacheInvalidationStream.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import type { DeviceListChangeRecorder, DeviceListPublisher } from '../devices/deviceListPublisher.ts';
import type { NewSessionStep } from '../../storage/databases/main/refreshTokensStore.ts';

export const ACCESS_TOKEN_PREFIX = 'hth_';
export const REFRESH_TOKEN_PREFIX = 'htr_';

/** SHA-256 of a token, as stored (access, refresh and OpenID tokens alike). */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewSession {
  readonly accessToken: string;
  readonly deviceId: string;
  /** For sessions that asked for refresh tokens: the refresh token, and the access token's lifetime. */
  readonly refreshToken?: string;
  readonly expiresInMs?: number;
}

/** What `/refresh` answers: the session's next access and refresh token. */
export interface RefreshedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresInMs: number;
}

function randomToken(prefix: string): string {
  return prefix + encodeBase64Url(randomBytes(32));
}

function unknownToken(message: string, softLogout = false): MatrixError {
  return new MatrixError(401, 'M_UNKNOWN_TOKEN', message, { soft_logout: softLogout });
}

/** A locked account's answer (spec "Account locking"): a soft logout, so clients keep their state and retry. */
function accountLocked(): MatrixError {
  return new MatrixError(401, 'M_USER_LOCKED', 'This account has been locked', { soft_logout: true });
}

export interface AuthenticateOptions {
  /** Logout is the one thing a locked account may do. */
  readonly allowLocked?: boolean;
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
    /** Lifetime of access tokens issued with a refresh token. */
    private readonly refreshableLifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A login that creates a device is a device-list change, as in Synapse: room-mates' clients (and other
   * servers) learn of the device at once, before it uploads keys. Set by the E2EE handlers, built after this.
   */
  setDeviceListPublisher(publisher: DeviceListPublisher): void {
    this.deviceLists = publisher;
  }

  /**
   * Creates a session for `userId` on `deviceId` (a new random device when absent); `refreshable` when the
   * client said it supports refresh tokens.
   */
  createSession(userId: string, deviceId: string | null, displayName: string | null, refreshable = false): NewSession {
    // A locked account gets no new token until it is unlocked (login, and refresh below).
    if (this.stores.users.getUser(userId)?.locked) throw accountLocked();
    const device = deviceId ?? newDeviceId();
    const accessToken = randomToken(ACCESS_TOKEN_PREFIX);
    const refreshToken = refreshable ? randomToken(REFRESH_TOKEN_PREFIX) : null;
    const now = this.now();
    const write = (changes: DeviceListChangeRecorder | null) => {
      if (this.stores.devices.ensureDevice(userId, device, displayName)) changes?.devicesChanged(userId, [device]);
      if (refreshToken !== null) this.stores.refreshTokens.issue(this.sessionStep(userId, device, accessToken, refreshToken, now));
      else this.stores.accessTokens.addToken(hashAccessToken(accessToken), userId, device, now);
    };
    if (this.deviceLists) this.deviceLists.write(write);
    else this.stores.db.transaction(() => write(null))();
    if (refreshToken === null) return { accessToken, deviceId: device };
    return { accessToken, deviceId: device, refreshToken, expiresInMs: this.refreshableLifetimeMs };
  }

  /**
   * The requester behind a token; 401 M_UNKNOWN_TOKEN for unknown, expired or deactivated ones, 401
   * M_USER_LOCKED for a locked account's (unless allowed).
   */
  async authenticate(accessToken: string, options: AuthenticateOptions = {}): Promise<Requester> {
    const tokenHash = hashAccessToken(accessToken);
    const owner = await this.stores.accessTokens.getTokenOwner(tokenHash);
    if (!owner) throw unknownToken('Invalid access token passed.');
    // An expired token is a soft logout: the client may refresh it, or log in again keeping its data.
    if (owner.validUntilMs !== null && owner.validUntilMs < this.now()) throw unknownToken('Access token has expired', true);
    const user = this.stores.users.getUser(owner.userId);
    if (!user || user.deactivated) throw unknownToken('Invalid access token passed.');
    if (user.locked && !options.allowLocked) throw accountLocked();
    if (owner.predecessorPending && owner.refreshTokenId !== null) {
      // The first use of a refreshed pair proves the client has it: the previous pair goes, and this token's
      // cached owner (which says a predecessor is pending) with it.
      this.forget([...this.stores.refreshTokens.retirePredecessor(owner.refreshTokenId), tokenHash]);
    }
    return { userId: owner.userId, deviceId: owner.deviceId, tokenId: owner.tokenId, tokenHash, isAdmin: user.admin, suspended: user.suspended };
  }

  /** `POST /refresh`: a new access and refresh token for the session of `refreshToken`. */
  refresh(refreshToken: string): RefreshedTokens {
    const record = this.stores.refreshTokens.get(hashAccessToken(refreshToken));
    if (!record) throw unknownToken('Unknown refresh token, or it has already been used');
    const user = this.stores.users.getUser(record.userId);
    if (!user || user.deactivated) throw unknownToken('Unknown refresh token, or it has already been used');
    if (user.locked) throw accountLocked();
    const accessToken = randomToken(ACCESS_TOKEN_PREFIX);
    const nextRefreshToken = randomToken(REFRESH_TOKEN_PREFIX);
    const revoked = this.stores.refreshTokens.exchange(record, this.sessionStep(record.userId, record.deviceId, accessToken, nextRefreshToken, this.now()));
    if (revoked === null) throw unknownToken('Unknown refresh token, or it has already been used');
    this.forget(revoked);
    return { accessToken, refreshToken: nextRefreshToken, expiresInMs: this.refreshableLifetimeMs };
  }

  private sessionStep(userId: string, deviceId: string, accessToken: string, refreshToken: string, now: number): NewSessionStep {
    return {
      userId,
      deviceId,
      accessTokenHash: hashAccessToken(accessToken),
      refreshTokenHash: hashAccessToken(refreshToken),
      now,
      accessValidUntilMs: now + this.refreshableLifetimeMs,
    };
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
