/**
 * Event IDs: carried in the event for v1/v2 (`$opaque:domain`), and the reference hash of the redacted event,
 * Base64-encoded, from v3 (standard alphabet) and v4 (URL-safe alphabet).
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { encodeBase64, encodeBase64Url } from '../crypto/base64.ts';
import { referenceHash } from '../crypto/hashes.ts';
import { redactEvent } from './redaction.ts';
import { EventFormat, type RoomVersion } from './roomVersions.ts';

/** The reference hash of `event` in `roomVersion` (over its redacted form). */
export function eventReferenceHash(event: JsonObject, roomVersion: RoomVersion): Buffer {
  return referenceHash(redactEvent(event, roomVersion), { lenientNumbers: !roomVersion.strictCanonicalJson });
}

/**
 * The ID of `event`. For v1/v2 it is the `event_id` member (null if absent or not a string);
 * from v3 it is computed, and any `event_id` member is ignored.
 */
export function computeEventId(event: JsonObject, roomVersion: RoomVersion): string | null {
  switch (roomVersion.eventFormat) {
    case EventFormat.V1:
      return typeof event.event_id === 'string' ? event.event_id : null;
    case EventFormat.V2: {
      const { event_id: _ignored, ...rest } = event;
      return '$' + encodeBase64(eventReferenceHash(rest, roomVersion));
    }
    case EventFormat.V3: {
      const { event_id: _ignored, ...rest } = event;
      return '$' + encodeBase64Url(eventReferenceHash(rest, roomVersion));
    }
  }
}

/** A fresh v1/v2-style event ID for an event this server creates: `$<random>:<serverName>`. */
export function newDomainEventId(serverName: string): string {
  return `$${encodeBase64Url(randomBytes(18))}:${serverName}`;
}
