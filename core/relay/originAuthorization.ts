/**
 * The origin's X-Matrix signature material of the request being handled, kept with a deposited transaction so
 * that the tenant can check the signature itself (relayedTransaction.ts). Read after requireServerAuth has
 * verified the header, so it is well formed.
 */
import type { Context } from 'koa';
import { parseXMatrixAuthorization } from '../federation/xMatrixAuthorization.ts';
import { originOf } from '../http/federation/federationAuthentication.ts';
import type { OriginAuthorization } from './mailboxStore.ts';

/** `destination` is whom the request was verified for (an absent destination parameter was signed as that). */
export function originAuthorizationOf(ctx: Context, destination: string): OriginAuthorization {
  const credentials = parseXMatrixAuthorization(ctx.get('Authorization'));
  return { method: ctx.method, uri: ctx.originalUrl, origin: originOf(ctx), destination, key: credentials.key, sig: credentials.sig };
}
