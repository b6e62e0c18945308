/**
 * Building real, signed E2EE keys for tests with core/crypto: a device's identity keys signed by its own
 * ed25519 key, signed one-time and fallback keys, and cross-signing keys (master, self-signing, user-signing)
 * whose key IDs are their public keys. Also helpers to log a second device in and to sync.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { encodeBase64 } from '../../../core/crypto/base64.ts';
import { generateKeyPair, signBytes, type Ed25519KeyPair } from '../../../core/crypto/ed25519.ts';
import { signedBytes } from '../../../core/crypto/jsonSigning.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { request } from '../../support/httpClient.ts';
import { createLoggedInUser, startTestHomeserver, type LoggedInUser, type RunningHomeserver } from '../../support/testHomeserver.ts';

export const CLIENT = '/_matrix/client/v3';

/** An ed25519 key pair with its unpadded Base64 public key. */
export class TestKey {
  readonly pair: Ed25519KeyPair = generateKeyPair();
  readonly publicKey = encodeBase64(this.pair.publicKey);

  /** Adds this key's signature as `signatures[userId][keyId]`. */
  sign<T extends JsonObject>(object: T, userId: string, keyId: string): T {
    const signature = encodeBase64(signBytes(this.pair, signedBytes(object)));
    const existing = (object.signatures ?? {}) as Record<string, Record<string, string>>;
    return { ...object, signatures: { ...existing, [userId]: { ...(existing[userId] ?? {}), [keyId]: signature } } };
  }
}

export function curve25519Key(): string {
  return encodeBase64(randomBytes(32));
}

/** A device of a user: its ed25519 key and the signed device keys it uploads. */
export class TestDevice {
  readonly ed25519 = new TestKey();
  readonly curve25519 = curve25519Key();

  constructor(
    readonly userId: string,
    readonly deviceId: string,
  ) {}

  get keyId(): string {
    return `ed25519:${this.deviceId}`;
  }

  unsignedDeviceKeys(): JsonObject {
    return {
      user_id: this.userId,
      device_id: this.deviceId,
      algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
      keys: { [`curve25519:${this.deviceId}`]: this.curve25519, [this.keyId]: this.ed25519.publicKey },
    };
  }

  deviceKeys(): JsonObject {
    return this.ed25519.sign(this.unsignedDeviceKeys(), this.userId, this.keyId);
  }

  /** `count` signed curve25519 one-time keys named `signed_curve25519:<prefix><i>`. */
  oneTimeKeys(count: number, prefix = 'K'): Record<string, JsonObject> {
    const keys: Record<string, JsonObject> = {};
    for (let i = 0; i < count; i++) keys[`signed_curve25519:${prefix}${i}`] = this.ed25519.sign({ key: curve25519Key() }, this.userId, this.keyId);
    return keys;
  }

  fallbackKey(id = 'F1'): Record<string, JsonObject> {
    return { [`signed_curve25519:${id}`]: this.ed25519.sign({ key: curve25519Key(), fallback: true }, this.userId, this.keyId) };
  }
}

/** A user's cross-signing keys, as `/keys/device_signing/upload` takes them. */
export class TestCrossSigning {
  readonly master = new TestKey();
  readonly selfSigning = new TestKey();
  readonly userSigning = new TestKey();

  constructor(readonly userId: string) {}

  masterKey(): JsonObject {
    return { user_id: this.userId, usage: ['master'], keys: { [`ed25519:${this.master.publicKey}`]: this.master.publicKey } };
  }

  selfSigningKey(signer: TestKey = this.master): JsonObject {
    const key = { user_id: this.userId, usage: ['self_signing'], keys: { [`ed25519:${this.selfSigning.publicKey}`]: this.selfSigning.publicKey } };
    return signer.sign(key, this.userId, `ed25519:${signer.publicKey}`);
  }

  userSigningKey(signer: TestKey = this.master): JsonObject {
    const key = { user_id: this.userId, usage: ['user_signing'], keys: { [`ed25519:${this.userSigning.publicKey}`]: this.userSigning.publicKey } };
    return signer.sign(key, this.userId, `ed25519:${signer.publicKey}`);
  }

  upload(): JsonObject {
    return { master_key: this.masterKey(), self_signing_key: this.selfSigningKey(), user_signing_key: this.userSigningKey() };
  }
}

export interface E2eeUser {
  readonly user: LoggedInUser;
  readonly api: ClientApi;
  readonly device: TestDevice;
}

/** Logs a user in (creating the account) and prepares a test device for the session's device ID. */
export async function e2eeUser(hs: RunningHomeserver, localpart: string, password = 'password'): Promise<E2eeUser> {
  const user = await createLoggedInUser(hs, localpart, password);
  return { user, api: new ClientApi(hs.baseUrl, user), device: new TestDevice(user.userId, user.deviceId) };
}

/** Logs an existing account in again: a new device. */
export async function loginAgain(hs: RunningHomeserver, userId: string, password = 'password', deviceId?: string): Promise<E2eeUser> {
  const res = await request(hs.baseUrl, 'POST', `${CLIENT}/login`, {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: userId }, password, ...(deviceId ? { device_id: deviceId } : {}) },
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.text}`);
  const body = res.body as { access_token: string; device_id: string };
  const user = { userId, accessToken: body.access_token, deviceId: body.device_id };
  return { user, api: new ClientApi(hs.baseUrl, user), device: new TestDevice(userId, body.device_id) };
}

/** A server and two logged-in users. */
export async function twoE2eeUsers(t: TestContext): Promise<{ hs: RunningHomeserver; alice: E2eeUser; bob: E2eeUser }> {
  const hs = await startTestHomeserver(t);
  return { hs, alice: await e2eeUser(hs, 'alice'), bob: await e2eeUser(hs, 'bob') };
}

/** Uploads the user's signed device keys; returns the response body. */
export async function uploadDeviceKeys(u: E2eeUser, extra: JsonObject = {}): Promise<{ one_time_key_counts: Record<string, number> }> {
  return u.api.ok('POST', `${CLIENT}/keys/upload`, { device_keys: u.device.deviceKeys(), ...extra });
}

export interface SyncBody {
  next_batch: string;
  to_device?: { events: { type: string; sender: string; content: JsonObject }[] };
  device_lists?: { changed?: string[]; left?: string[] };
  device_one_time_keys_count?: Record<string, number>;
  device_unused_fallback_key_types?: string[];
}

/** `GET /sync` (validated against the spec). */
export async function sync(api: ClientApi, since?: string, timeoutMs = 0): Promise<SyncBody> {
  const query = new URLSearchParams({ timeout: String(timeoutMs), ...(since ? { since } : {}) });
  return api.ok<SyncBody>('GET', `${CLIENT}/sync?${query}`);
}

/** A password stage for user-interactive auth. */
export function passwordAuth(userId: string, password: string, session: string): JsonObject {
  return { type: 'm.login.password', identifier: { type: 'm.id.user', user: userId }, password, session };
}
