/**
 * X-Matrix authentication of incoming federation requests: the Authorization header must name us as the
 * destination (when present) and carry a valid signature of the method, URI, origin, destination and JSON body
 * by a current key of the origin server. Failures are 401 `M_UNAUTHORIZED`; the origin is put in
 * `ctx.state.origin` for the routes, and `onVerifiedOrigin` hears of it (the origin is reachable again).
 */
import type { Context, Next } from 'koa';
import type { JsonValue } from '../../crypto/canonicalJson.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { isValidServerName } from '../../events/identifiers.ts';
import type { KeyRing } from '../../federation/keyRing.ts';
import { parseXMatrixAuthorization, verifyXMatrixSignature, XMatrixHeaderError } from '../../federation/xMatrixAuthorization.ts';
import { readRawBody } from '../jsonBody.ts';

export interface FederationAuthState {
  origin: string;
  /** The parsed JSON body of the request (authentication had to read it to check the signature). */
  body: JsonValue | undefined;
}

function unauthorized(message: string): MatrixError {
  return new MatrixError(401, 'M_UNAUTHORIZED', message);
}

export function requireServerAuth(serverName: string, keyRing: KeyRing, maxBodyBytes: number, onVerifiedOrigin: (origin: string) => void = () => {}) {
  return async function federationAuth(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('Authorization');
    if (!header) throw unauthorized('Missing Authorization header');
    let credentials;
    try {
      credentials = parseXMatrixAuthorization(header);
    } catch (e) {
      if (e instanceof XMatrixHeaderError) throw unauthorized(`Malformed X-Matrix header: ${e.message}`);
      throw e;
    }
    if (!isValidServerName(credentials.origin)) throw unauthorized('Invalid origin');
    if (credentials.destination !== null && credentials.destination !== serverName) throw unauthorized(`This server is not ${credentials.destination}`);
    const raw = await readRawBody(ctx, maxBodyBytes);
    let body: JsonValue | undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)) as JsonValue;
      } catch {
        throw new MatrixError(400, 'M_NOT_JSON', 'Content not JSON.');
      }
    }
    const key = await keyRing.getKey(credentials.origin, credentials.key);
    const request = { method: ctx.method, uri: ctx.originalUrl, origin: credentials.origin, destination: serverName, ...(body === undefined ? {} : { content: body }) };
    if (!key || !verifyXMatrixSignature(request, credentials, key.publicKey)) throw unauthorized(`Signature by ${credentials.origin} does not verify`);
    const state = ctx.state as FederationAuthState;
    state.origin = credentials.origin;
    state.body = body;
    onVerifiedOrigin(credentials.origin);
    await next();
  };
}

export function originOf(ctx: Context): string {
  const origin = (ctx.state as Partial<FederationAuthState>).origin;
  if (!origin) throw new Error('route is not behind requireServerAuth');
  return origin;
}

export function bodyOf(ctx: Context): JsonValue | undefined {
  return (ctx.state as Partial<FederationAuthState>).body;
}
