/**
 * Unpadded Base64 as the Matrix appendices define it: standard alphabet, no `=` padding.
 * Decoding accepts padded and unpadded input, as the spec asks of receivers.
 */

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Decodes standard Base64 (padded or not). Throws on characters outside the alphabet or impossible lengths. */
export function decodeBase64(text: string): Buffer {
  if (!STANDARD.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new Base64Error('not valid Base64');
  }
  return Buffer.from(text, 'base64');
}

/** Decodes URL-safe Base64 (padded or not). */
export function decodeBase64Url(text: string): Buffer {
  if (!URL_SAFE.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new Base64Error('not valid URL-safe Base64');
  }
  return Buffer.from(text, 'base64url');
}

export class Base64Error extends Error {
  override readonly name = 'Base64Error';
}
