/**
 * X-Matrix request authentication (server-server API, "Request Authentication"): the sending server signs
 * `{method, uri, origin, destination, content}` and sends the signature in an `Authorization: X-Matrix ...`
 * header; the receiving server parses the header (RFC 9110 auth-params: quoted or token values, backslash
 * escapes, case-insensitive names, colons allowed unquoted for old senders) and checks the signature.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { signJson, checkJsonSignature } from '../crypto/jsonSigning.ts';
import type { SigningKey } from '../crypto/signingKey.ts';
import type { KeyObject } from 'node:crypto';

export interface SignedRequest {
  readonly method: string;
  /** Path and query as sent, starting with `/_matrix/`. */
  readonly uri: string;
  readonly origin: string;
  readonly destination: string;
  /** The parsed JSON body, if the request has one. */
  readonly content?: JsonValue;
}

export interface XMatrixCredentials {
  readonly origin: string;
  /** Absent from requests of servers older than spec v1.3. */
  readonly destination: string | null;
  readonly key: string;
  readonly sig: string;
}

function signedObject(request: SignedRequest): JsonObject {
  const object: JsonObject = { method: request.method, uri: request.uri, origin: request.origin, destination: request.destination };
  if (request.content !== undefined) object.content = request.content;
  return object;
}

/** The value of the Authorization header for a request we send. */
export function xMatrixAuthorization(request: SignedRequest, key: SigningKey): string {
  const signed = signJson(signedObject(request), request.origin, key);
  const sig = signed.signatures[request.origin]![key.keyId]!;
  return `X-Matrix origin="${request.origin}",destination="${request.destination}",key="${key.keyId}",sig="${sig}"`;
}

export class XMatrixHeaderError extends Error {
  override readonly name = 'XMatrixHeaderError';
}

/** Parses an `X-Matrix` Authorization header. Throws XMatrixHeaderError when it is not one or lacks a parameter. */
export function parseXMatrixAuthorization(header: string): XMatrixCredentials {
  const match = /^X-Matrix\s+(.*)$/is.exec(header.trim());
  if (!match) throw new XMatrixHeaderError('not an X-Matrix authorization');
  const params = new Map<string, string>();
  const text = match[1]!;
  let i = 0;
  const skip = (chars: string) => {
    while (i < text.length && chars.includes(text[i]!)) i++;
  };
  while (i < text.length) {
    skip(' \t,');
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new XMatrixHeaderError('malformed parameter');
    const name = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    skip(' \t');
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (text[i] !== '"') throw new XMatrixHeaderError('unterminated quoted value');
      i++;
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') value += text[i++];
    }
    if (name !== '' && !params.has(name)) params.set(name, value);
  }
  const origin = params.get('origin');
  const key = params.get('key');
  const sig = params.get('sig');
  if (!origin || !key || !sig) throw new XMatrixHeaderError('origin, key and sig are required');
  return { origin, destination: params.get('destination') ?? null, key, sig };
}

/** Whether `credentials` carry a valid signature of `request` by `publicKey`. */
export function verifyXMatrixSignature(request: SignedRequest, credentials: XMatrixCredentials, publicKey: Uint8Array | KeyObject): boolean {
  const object = { ...signedObject(request), signatures: { [credentials.origin]: { [credentials.key]: credentials.sig } } };
  return checkJsonSignature(object, credentials.origin, credentials.key, publicKey).ok;
}
