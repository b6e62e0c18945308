/**
 * Rule 4.4.1 (5.3.1 in v1/v2): an invite that redeems an `m.room.third_party_invite`. The identity server signed
 * `{mxid, token, ...}` with a key that the inviting user published in the room; the invite is allowed when any
 * signature in `signed` verifies against any of those public keys.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { checkJsonSignature } from '../crypto/jsonSigning.ts';
import { decodeBase64, decodeBase64Url } from '../crypto/base64.ts';
import { ED25519_PUBLIC_KEY_LENGTH, publicKeyObject } from '../crypto/ed25519.ts';
import type { KeyObject } from 'node:crypto';
import type { RoomEvent } from '../events/roomEvent.ts';
import { AuthError } from './authError.ts';
import { isObject } from './jsonShape.ts';
import { stateKey, type AuthState } from './stateKey.ts';

/**
 * Throws AuthError unless the invite `event` (membership `invite` with `content.third_party_invite`) redeems a
 * third-party invite of `state`. `targetMembership` is the invitee's current membership.
 */
export function checkThirdPartyInvite(event: RoomEvent, state: AuthState, targetMembership: string | null): void {
  if (targetMembership === 'ban') throw new AuthError('third-party invite: the target user is banned');
  const invite = event.content.third_party_invite;
  if (!isObject(invite)) throw new AuthError('third-party invite: "third_party_invite" is not an object');
  const signed = invite.signed;
  if (!isObject(signed)) throw new AuthError('third-party invite: "third_party_invite" has no "signed" object');
  const { mxid, token } = signed;
  if (typeof mxid !== 'string' || typeof token !== 'string') {
    throw new AuthError('third-party invite: "signed" must have string "mxid" and "token" properties');
  }
  if (mxid !== event.stateKey) throw new AuthError(`third-party invite: signed mxid ${mxid} is not the state_key ${event.stateKey}`);
  const thirdPartyInvite = state.get(stateKey('m.room.third_party_invite', token));
  if (!thirdPartyInvite) throw new AuthError('third-party invite: no m.room.third_party_invite event for the token');
  if (thirdPartyInvite.sender !== event.sender) {
    throw new AuthError(`third-party invite: sender ${event.sender} did not send the m.room.third_party_invite (${thirdPartyInvite.sender} did)`);
  }
  const keys = publicKeysOf(thirdPartyInvite.content);
  if (keys.length === 0) throw new AuthError('third-party invite: the m.room.third_party_invite has no usable public key');
  if (!anySignatureVerifies(signed, keys, !event.roomVersion.strictCanonicalJson)) {
    throw new AuthError('third-party invite: no signature in "signed" verifies with the invite\'s public keys');
  }
}

/** `public_key` and every `public_keys[].public_key` that decodes to an ed25519 key; others are ignored. */
function publicKeysOf(content: JsonObject): KeyObject[] {
  const encoded: JsonValue[] = [content.public_key ?? null];
  const list = content.public_keys;
  if (Array.isArray(list)) {
    for (const entry of list) if (isObject(entry)) encoded.push(entry.public_key ?? null);
  }
  const keys: KeyObject[] = [];
  for (const value of encoded) {
    const bytes = typeof value === 'string' ? decodePublicKey(value) : null;
    if (bytes) keys.push(publicKeyObject(bytes));
  }
  return keys;
}

/** Unpadded or padded, standard or URL-safe Base64 (the spec allows both alphabets); null unless 32 bytes. */
function decodePublicKey(text: string): Buffer | null {
  for (const decode of [decodeBase64, decodeBase64Url]) {
    try {
      const bytes = decode(text);
      if (bytes.length === ED25519_PUBLIC_KEY_LENGTH) return bytes;
    } catch {
      // Try the other alphabet.
    }
  }
  return null;
}

function anySignatureVerifies(signed: JsonObject, keys: KeyObject[], lenientNumbers: boolean): boolean {
  const signatures = signed.signatures;
  if (!isObject(signatures)) return false;
  for (const [entity, byKeyId] of Object.entries(signatures)) {
    if (!isObject(byKeyId)) continue;
    for (const keyId of Object.keys(byKeyId)) {
      if (!keyId.startsWith('ed25519:')) continue;
      for (const key of keys) {
        if (checkJsonSignature(signed, entity, keyId, key, { lenientNumbers }).ok) return true;
      }
    }
  }
  return false;
}
