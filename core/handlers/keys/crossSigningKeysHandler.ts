/**
 * `POST /keys/device_signing/upload`: a user publishes their cross-signing keys (end-to-end encryption module,
 * "Cross-signing"). Checks, all before anything is written:
 * - each key has the right shape, user and usage (crossSigningKey.ts);
 * - the master key needs no signature (the spec makes it optional), but any signature on it by a key we know
 *   (itself, or one of the user's devices) must verify;
 * - self-signing and user-signing keys must be signed by the master key in the request, or else the stored one
 *   (none at all is 400 M_MISSING_PARAM);
 * - no public key may equal one of the user's device IDs (403 M_FORBIDDEN), since they share a namespace.
 * User-interactive auth (password) is required unless the user has no master key yet, or the request holds
 * nothing but the keys already stored (a retried first upload).
 * New master and self-signing keys are device-list changes (their public keys act as device IDs); a new
 * user-signing key is a signature change that only the user's own devices hear about.
 */
import { canonicalJson, type JsonObject } from '../../crypto/canonicalJson.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { CrossSigningKeyType, StoredCrossSigningKey } from '../../storage/databases/main/crossSigningKeysStore.ts';
import type { UserInteractiveAuth } from '../accounts/userInteractiveAuth.ts';
import type { DeviceListPublisher } from '../devices/deviceListPublisher.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { parseCrossSigningKey, requireSignature, type ParsedCrossSigningKey } from './crossSigningKey.ts';
import { identityKeysOf } from './deviceKeysValidation.ts';
import { parseEd25519PublicKey } from './publicKeys.ts';

const FIELDS: readonly [string, CrossSigningKeyType][] = [
  ['master_key', 'master'],
  ['self_signing_key', 'self_signing'],
  ['user_signing_key', 'user_signing'],
];

export class CrossSigningKeysHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly uia: UserInteractiveAuth,
    private readonly deviceLists: DeviceListPublisher,
    private readonly now: () => number = Date.now,
  ) {}

  async upload(requester: Requester, body: JsonObject): Promise<void> {
    const userId = requester.userId;
    const provided = new Map<CrossSigningKeyType, ParsedCrossSigningKey>();
    for (const [field, type] of FIELDS) {
      const value = body[field];
      if (value !== undefined && value !== null) provided.set(type, parseCrossSigningKey(value, userId, type, field));
    }
    const stored = new Map(this.stores.crossSigningKeys.getKeys([userId], ['master', 'self_signing', 'user_signing']).map((k) => [k.type, k]));
    const master = provided.get('master') ?? (stored.has('master') ? fromStored(stored.get('master')!) : null);
    if (master === null) throw MatrixError.missingParam('No master key available: upload master_key first');

    if (provided.has('master')) this.checkMasterSignatures(userId, master);
    for (const type of ['self_signing', 'user_signing'] as const) {
      const key = provided.get(type);
      if (key) requireSignature(key.key, userId, master.keyId, master.verifyKey, `${type}_key`);
    }
    for (const key of provided.values()) {
      if (this.stores.devices.getDevice(userId, key.publicKey) !== null || this.stores.deviceKeys.getDeviceKeys(userId, key.publicKey) !== null) {
        throw MatrixError.forbidden(`Key ID in use: ${key.publicKey} is one of the user's device IDs`);
      }
    }

    const changed = [...provided.values()].filter((key) => {
      const current = stored.get(key.type);
      return current === undefined || canonicalJson(current.key) !== canonicalJson(key.key);
    });
    if (stored.has('master') && changed.length > 0) {
      await this.uia.authenticate({
        operation: `POST /keys/device_signing/upload ${userId}`,
        flows: [['m.login.password']],
        auth: body.auth,
        requesterUserId: userId,
      });
    }
    if (changed.length === 0) return;

    this.deviceLists.write((changes) => {
      const now = this.now();
      for (const key of changed) this.stores.crossSigningKeys.setKey(userId, key.type, key.publicKey, key.key, now);
      changes.devicesChanged(
        userId,
        changed.filter((k) => k.type !== 'user_signing').map((k) => k.publicKey),
      );
      if (changed.some((k) => k.type === 'user_signing')) changes.signaturesChanged(userId, [userId]);
    });
  }

  /** Signatures on a new master key by keys we know (itself, the user's devices) must verify; others are kept as given. */
  private checkMasterSignatures(userId: string, master: ParsedCrossSigningKey): void {
    const signatures = master.key.signatures;
    if (typeof signatures !== 'object' || signatures === null || Array.isArray(signatures)) return;
    const byUser = signatures[userId];
    if (typeof byUser !== 'object' || byUser === null || Array.isArray(byUser)) return;
    for (const keyId of Object.keys(byUser)) {
      if (keyId === master.keyId) {
        requireSignature(master.key, userId, keyId, master.verifyKey, 'master_key');
        continue;
      }
      if (!keyId.startsWith('ed25519:')) continue;
      const deviceId = keyId.slice('ed25519:'.length);
      const deviceKeys = this.stores.deviceKeys.getDeviceKeys(userId, deviceId);
      const verifyKey = deviceKeys === null ? null : parseEd25519PublicKey(identityKeysOf(deviceKeys)[keyId]);
      if (verifyKey !== null) requireSignature(master.key, userId, keyId, verifyKey, 'master_key');
    }
  }
}

/** A stored key in parsed form (it was checked when uploaded). */
export function fromStored(key: StoredCrossSigningKey): ParsedCrossSigningKey {
  const verifyKey = parseEd25519PublicKey(key.publicKey);
  if (verifyKey === null) throw new Error(`stored ${key.type} key of ${key.userId} is not an ed25519 key`);
  return { type: key.type, keyId: `ed25519:${key.publicKey}`, publicKey: key.publicKey, verifyKey, key: key.key };
}
