/**
 * Checks a device's identity keys (the `device_keys` of /keys/upload, `definitions/device_keys.yaml`): they must
 * name the uploading user and device, carry the device's ed25519 key as `ed25519:<device_id>`, and be signed
 * by that very key (end-to-end encryption module, "Uploading keys"). Anything else is refused with an error
 * that says what is wrong, since a client that uploads bad keys is otherwise silently unreachable.
 */
import type { KeyObject } from 'node:crypto';
import { CanonicalJsonError, canonicalJson, type JsonObject, type JsonValue } from '../../crypto/canonicalJson.ts';
import { checkJsonSignature } from '../../crypto/jsonSigning.ts';
import { MatrixError } from '../matrixError.ts';
import { isCurve25519Key, parseEd25519PublicKey } from './publicKeys.ts';

export interface ValidDeviceKeys {
  /** The keys as stored and served (any uploaded `unsigned` dropped: the server fills it in). */
  readonly keys: JsonObject;
  /** The device's ed25519 signing key. */
  readonly signingKey: KeyObject;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateDeviceKeys(value: JsonValue, userId: string, deviceId: string): ValidDeviceKeys {
  if (!isObject(value)) throw MatrixError.badJson('device_keys must be an object');
  if (value.user_id !== userId) throw MatrixError.invalidParam(`device_keys.user_id must be ${userId}, the user uploading the keys`);
  if (value.device_id !== deviceId) throw MatrixError.invalidParam(`device_keys.device_id must be ${deviceId}, the device of this access token`);
  const algorithms = value.algorithms;
  if (!Array.isArray(algorithms) || !algorithms.every((a) => typeof a === 'string')) throw MatrixError.badJson('device_keys.algorithms must be an array of strings');
  const keys = value.keys;
  if (!isObject(keys)) throw MatrixError.badJson('device_keys.keys must be an object');
  for (const [keyId, key] of Object.entries(keys)) {
    if (typeof key !== 'string') throw MatrixError.badJson(`device_keys.keys.${keyId} must be a string`);
    const colon = keyId.indexOf(':');
    if (colon < 1 || keyId.slice(colon + 1) !== deviceId) throw MatrixError.invalidParam(`device_keys.keys: key ID ${keyId} must be <algorithm>:${deviceId}`);
    if (keyId.startsWith('curve25519:') && !isCurve25519Key(key)) throw MatrixError.invalidParam(`device_keys.keys.${keyId} is not a Base64 curve25519 key`);
  }
  const signingKeyId = `ed25519:${deviceId}`;
  const signingKey = parseEd25519PublicKey(keys[signingKeyId]);
  if (signingKey === null) {
    throw MatrixError.invalidParam(keys[signingKeyId] === undefined ? `device_keys.keys must contain ${signingKeyId}` : `device_keys.keys.${signingKeyId} is not a Base64 ed25519 key`);
  }
  if (!isObject(value.signatures)) throw MatrixError.badJson('device_keys.signatures must be an object');

  const { unsigned: _unsigned, ...stored } = value;
  try {
    canonicalJson(stored);
  } catch (e) {
    if (e instanceof CanonicalJsonError) throw MatrixError.badJson(`device_keys: ${e.message}`);
    throw e;
  }
  const check = checkJsonSignature(stored, userId, signingKeyId, signingKey);
  if (!check.ok) {
    const why = check.reason === 'missing' ? `has no signature by ${signingKeyId}` : check.reason === 'malformed' ? 'has a malformed signature' : `signature by ${signingKeyId} does not verify`;
    throw new MatrixError(400, 'M_INVALID_SIGNATURE', `device_keys ${why}`);
  }
  return { keys: stored, signingKey };
}

/** The identity keys (`<algorithm>:<device_id>` → key) of stored device keys. */
export function identityKeysOf(deviceKeys: JsonObject): Record<string, string> {
  const keys = deviceKeys.keys;
  if (!isObject(keys)) return {};
  return Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
