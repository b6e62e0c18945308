/**
 * Hashing and signing events (server-server API, "Signing events" and "Validating hashes and signatures on
 * received events"): the content hash goes in `hashes.sha256`; the signature covers the redacted event.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { contentHashBase64 } from '../crypto/hashes.ts';
import { checkJsonSignature, signJson, type SignatureCheck } from '../crypto/jsonSigning.ts';
import type { SigningKey } from '../crypto/signingKey.ts';
import type { KeyObject } from 'node:crypto';
import { redactEvent } from './redaction.ts';
import type { RoomVersion } from './roomVersions.ts';

function numberMode(roomVersion: RoomVersion) {
  return { lenientNumbers: !roomVersion.strictCanonicalJson };
}

/** Returns `event` with `hashes.sha256` set to its content hash and our signature added. */
export function hashAndSignEvent<T extends JsonObject>(event: T, roomVersion: RoomVersion, serverName: string, key: SigningKey): T {
  const hashed = { ...event, hashes: { sha256: contentHashBase64(event, numberMode(roomVersion)) } };
  return addEventSignature(hashed, roomVersion, serverName, key);
}

/** Adds our signature to an already-hashed event (e.g. countersigning a join or invite). */
export function addEventSignature<T extends JsonObject>(event: T, roomVersion: RoomVersion, serverName: string, key: SigningKey): T {
  const signedRedacted = signJson(redactEvent(event, roomVersion), serverName, key, numberMode(roomVersion));
  const signatures = signedRedacted.signatures as JsonObject;
  return { ...event, signatures };
}

/** True when `hashes.sha256` matches the event's content. */
export function hasValidContentHash(event: JsonObject, roomVersion: RoomVersion): boolean {
  const hashes = event.hashes;
  if (typeof hashes !== 'object' || hashes === null || Array.isArray(hashes)) return false;
  const expected = hashes.sha256;
  if (typeof expected !== 'string') return false;
  try {
    return contentHashBase64(event, numberMode(roomVersion)) === expected.replace(/=+$/, '');
  } catch {
    return false;
  }
}

/** Checks one server's signature on an event (over its redacted form). */
export function checkEventSignature(
  event: JsonObject,
  roomVersion: RoomVersion,
  serverName: string,
  keyId: string,
  publicKey: Uint8Array | KeyObject,
): SignatureCheck {
  return checkJsonSignature(redactEvent(event, roomVersion), serverName, keyId, publicKey, numberMode(roomVersion));
}
