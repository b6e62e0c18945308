/**
 * `POST /keys/signatures/upload`: users publish signatures of keys (end-to-end encryption module,
 * "Cross-signing"). Three kinds are accepted, each checked against the signing key we hold and against the
 * stored copy of the signed key (the object sent must be that key, `signatures` and `unsigned` aside):
 * - the user's own devices, signed by their self-signing key;
 * - the user's own master key, signed by one of their devices;
 * - another (local) user's master key, signed by the uploader's user-signing key.
 * Signatures that fail are reported per target under `failures` (M_INVALID_SIGNATURE for a bad signature or a
 * key that does not match, M_NOT_FOUND for unknown keys); the others are stored. Own-key signatures are
 * device-list changes; signatures of other users' keys only reach the signer's other devices.
 */
import type { KeyObject } from 'node:crypto';
import { canonicalJson, type JsonObject, type JsonValue } from '../../crypto/canonicalJson.ts';
import { isAcceptableUserId } from '../../events/identifiers.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { CrossSigningSignature } from '../../storage/databases/main/crossSigningKeysStore.ts';
import type { DeviceListPublisher } from '../devices/deviceListPublisher.ts';
import { MatrixError, type MatrixErrcode } from '../matrixError.ts';
import type { Requester } from '../requester.ts';
import { fromStored } from './crossSigningKeysHandler.ts';
import { requireSignature, type ParsedCrossSigningKey } from './crossSigningKey.ts';
import { identityKeysOf } from './deviceKeysValidation.ts';
import { parseEd25519PublicKey } from './publicKeys.ts';

export interface SignatureFailure {
  errcode: MatrixErrcode;
  error: string;
}

export interface SignatureUploadResponse {
  failures: Record<string, Record<string, SignatureFailure>>;
}

/** Most signed objects one upload may carry. */
export const MAX_SIGNED_OBJECTS = 1000;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key's content that signatures cover and that must match the stored key. */
function signedContent(key: JsonObject): string {
  const { signatures: _s, unsigned: _u, ...rest } = key;
  return canonicalJson(rest);
}

class SignatureRefused extends Error {
  constructor(
    readonly errcode: MatrixErrcode,
    message: string,
  ) {
    super(message);
  }
}

export class SignatureUploadHandler {
  constructor(
    private readonly stores: DataStores,
    private readonly deviceLists: DeviceListPublisher,
  ) {}

  upload(requester: Requester, body: JsonObject): SignatureUploadResponse {
    const userId = requester.userId;
    let count = 0;
    for (const [targetUser, objects] of Object.entries(body)) {
      if (!isAcceptableUserId(targetUser)) throw MatrixError.invalidParam(`${targetUser} is not a valid user ID`);
      if (!isObject(objects)) throw MatrixError.badJson(`${targetUser} must map key IDs to signed objects`);
      for (const [target, object] of Object.entries(objects)) if (!isObject(object)) throw MatrixError.badJson(`${targetUser}.${target} must be a signed object`);
      count += Object.keys(objects).length;
    }
    if (count > MAX_SIGNED_OBJECTS) throw MatrixError.invalidParam(`At most ${MAX_SIGNED_OBJECTS} signed objects per upload`);

    const failures: Record<string, Record<string, SignatureFailure>> = {};
    const accepted: CrossSigningSignature[] = [];
    const ownTargets: string[] = [];
    const otherUsers: string[] = [];
    const attempt = (targetUser: string, target: string, check: () => CrossSigningSignature[]) => {
      try {
        const signatures = check();
        accepted.push(...signatures);
        if (signatures.length === 0) return;
        if (targetUser === userId) ownTargets.push(target);
        else otherUsers.push(targetUser);
      } catch (e) {
        if (!(e instanceof SignatureRefused) && !(e instanceof MatrixError)) throw e;
        (failures[targetUser] ??= {})[target] = { errcode: e.errcode, error: e.message };
      }
    };

    this.deviceLists.write((changes) => {
      const stored = new Map(this.stores.crossSigningKeys.getKeys([userId], ['master', 'self_signing', 'user_signing']).map((k) => [k.type, fromStored(k)]));
      for (const [targetUser, objects] of Object.entries(body) as [string, JsonObject][]) {
        for (const [target, object] of Object.entries(objects) as [string, JsonObject][]) {
          if (targetUser === userId) {
            const master = stored.get('master');
            if (master && target === master.publicKey) attempt(targetUser, target, () => this.ownMasterKey(userId, master, object));
            else attempt(targetUser, target, () => this.ownDevice(userId, target, stored.get('self_signing') ?? null, object));
          } else {
            attempt(targetUser, target, () => this.otherMasterKey(userId, stored.get('user_signing') ?? null, targetUser, target, object));
          }
        }
      }
      this.stores.crossSigningKeys.addSignatures(accepted);
      changes.devicesChanged(userId, ownTargets);
      changes.signaturesChanged(userId, otherUsers);
    });
    return { failures };
  }

  /** The user's own device, signed by their self-signing key. */
  private ownDevice(userId: string, deviceId: string, selfSigning: ParsedCrossSigningKey | null, object: JsonObject): CrossSigningSignature[] {
    if (selfSigning === null) throw new SignatureRefused('M_NOT_FOUND', 'No self-signing key is stored for the user');
    const stored = this.stores.deviceKeys.getDeviceKeys(userId, deviceId);
    if (stored === null) throw new SignatureRefused('M_NOT_FOUND', `Unknown device ${deviceId}`);
    return [this.checked(userId, selfSigning.keyId, selfSigning.verifyKey, userId, deviceId, object, stored)];
  }

  /** The user's own master key, signed by their devices (each signature by a device is checked). */
  private ownMasterKey(userId: string, master: ParsedCrossSigningKey, object: JsonObject): CrossSigningSignature[] {
    const mine = isObject(object.signatures) ? object.signatures[userId] : undefined;
    if (!isObject(mine) || Object.keys(mine).length === 0) throw new SignatureRefused('M_INVALID_SIGNATURE', `No signature by ${userId}`);
    const result: CrossSigningSignature[] = [];
    for (const keyId of Object.keys(mine)) {
      // The master key's own signature is part of the key itself, not something to add.
      if (keyId === master.keyId) continue;
      const deviceId = keyId.startsWith('ed25519:') ? keyId.slice('ed25519:'.length) : null;
      const deviceKeys = deviceId === null ? null : this.stores.deviceKeys.getDeviceKeys(userId, deviceId);
      const verifyKey = deviceKeys === null ? null : parseEd25519PublicKey(identityKeysOf(deviceKeys)[keyId]);
      if (verifyKey === null) throw new SignatureRefused('M_INVALID_SIGNATURE', `Signed by ${keyId}, which is not a key of one of the user's devices`);
      result.push(this.checked(userId, keyId, verifyKey, userId, master.publicKey, object, master.key));
    }
    return result;
  }

  /** Another user's master key, signed by the uploader's user-signing key. */
  private otherMasterKey(userId: string, userSigning: ParsedCrossSigningKey | null, targetUser: string, target: string, object: JsonObject): CrossSigningSignature[] {
    if (userSigning === null) throw new SignatureRefused('M_NOT_FOUND', 'No user-signing key is stored for the user');
    const master = this.stores.crossSigningKeys.getKey(targetUser, 'master');
    if (master === null) throw new SignatureRefused('M_NOT_FOUND', `No master key is known for ${targetUser}`);
    if (target !== master.publicKey) throw new SignatureRefused('M_NOT_FOUND', `${target} is not ${targetUser}'s master key`);
    return [this.checked(userId, userSigning.keyId, userSigning.verifyKey, targetUser, target, object, master.key)];
  }

  private checked(
    signer: string,
    keyId: string,
    verifyKey: KeyObject,
    targetUserId: string,
    targetDeviceId: string,
    object: JsonObject,
    stored: JsonObject,
  ): CrossSigningSignature {
    let matches: boolean;
    try {
      matches = signedContent(object) === signedContent(stored);
    } catch {
      matches = false;
    }
    if (!matches) throw new SignatureRefused('M_INVALID_SIGNATURE', 'The signed object does not match the stored key');
    requireSignature(object, signer, keyId, verifyKey, 'The signed object');
    const signatures = object.signatures as JsonObject;
    const signature = (signatures[signer] as JsonObject)[keyId] as string;
    return { userId: signer, keyId, targetUserId, targetDeviceId, signature };
  }
}
