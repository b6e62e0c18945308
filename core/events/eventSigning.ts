/**
 * Hashing and signing events (server-server API, "Signing events" and "Validating hashes and signatures on
 * received events"): the content hash goes in `hashes.sha256`; the signature covers the redacted event.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { contentHashBase64, sha256 } from '../crypto/hashes.ts';
import { checkJsonSignature, signedBytes, signJson, type SignatureCheck } from '../crypto/jsonSigning.ts';
import { encodeBase64 } from '../crypto/base64.ts';
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

/**
 * hashAndSignEvent for an event that carries no signatures yet, also giving its reference hash: the bytes
 * signed (the redacted event without `signatures` and `unsigned`) are the bytes the reference hash covers, so
 * they are redacted and encoded once instead of twice. Null reference hash when the event has a top-level
 * `age_ts`, which the reference hash leaves out but a signature covers.
 */
export function hashAndSignNewEvent<T extends JsonObject>(event: T, roomVersion: RoomVersion, serverName: string, key: SigningKey): SignedNewEvent<T> {
  const toSign = hashNewEvent(event, roomVersion);
  return withSignature(toSign, serverName, key.keyId, key.sign(toSign.bytes));
}

/** hashAndSignNewEvent with the signature computed on the thread pool (the rest stays on the event loop). */
export async function hashAndSignNewEventOffThread<T extends JsonObject>(event: T, roomVersion: RoomVersion, serverName: string, key: SigningKey): Promise<SignedNewEvent<T>> {
  const toSign = hashNewEvent(event, roomVersion);
  return withSignature(toSign, serverName, key.keyId, await key.signOffThread(toSign.bytes));
}

export interface SignedNewEvent<T> {
  readonly signed: T;
  readonly referenceHash: Buffer | null;
}

interface HashedNewEvent<T> {
  readonly hashed: T;
  /** What the signature and the reference hash cover. */
  readonly bytes: Buffer;
  readonly hasAgeTs: boolean;
}

function hashNewEvent<T extends JsonObject>(event: T, roomVersion: RoomVersion): HashedNewEvent<T> {
  const mode = numberMode(roomVersion);
  const hashed = { ...event, hashes: { sha256: contentHashBase64(event, mode) } };
  return { hashed, bytes: signedBytes(redactEvent(hashed, roomVersion), mode), hasAgeTs: 'age_ts' in event };
}

function withSignature<T extends JsonObject>(toSign: HashedNewEvent<T>, serverName: string, keyId: string, signature: Buffer): SignedNewEvent<T> {
  const signed = { ...toSign.hashed, signatures: { [serverName]: { [keyId]: encodeBase64(signature) } } };
  return { signed, referenceHash: toSign.hasAgeTs ? null : sha256(toSign.bytes) };
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
