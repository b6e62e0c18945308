/**
 * Content hashes and reference hashes (server-server API, "Calculating the content hash" and
 * "Calculating the reference hash"). Both are SHA-256 over canonical JSON; they differ in what is removed first.
 * A reference hash is taken over the *redacted* event; the redaction algorithm belongs to the room version
 * (core/events), so callers pass the already-redacted event here.
 */
import { createHash } from 'node:crypto';
import { canonicalJsonBytes, type CanonicalJsonOptions, type JsonObject } from './canonicalJson.ts';
import { encodeBase64 } from './base64.ts';

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** SHA-256 of the event without `unsigned`, `signatures` and `hashes`: the value of `hashes.sha256`. */
export function contentHash(event: JsonObject, options?: CanonicalJsonOptions): Buffer {
  const { unsigned: _u, signatures: _s, hashes: _h, ...rest } = event;
  return sha256(canonicalJsonBytes(rest, options));
}

export function contentHashBase64(event: JsonObject, options?: CanonicalJsonOptions): string {
  return encodeBase64(contentHash(event, options));
}

/** SHA-256 of a redacted event without `signatures`, `unsigned` (and `age_ts`, which old servers left at top level). */
export function referenceHash(redactedEvent: JsonObject, options?: CanonicalJsonOptions): Buffer {
  const { signatures: _s, unsigned: _u, age_ts: _a, ...rest } = redactedEvent;
  return sha256(canonicalJsonBytes(rest, options));
}
