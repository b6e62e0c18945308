/**
 * CORS as the client-server spec recommends ("Web Browser Clients"): the headers on every response, and
 * OPTIONS answered without running any endpoint logic.
 */
import type { Context, Next } from 'koa';

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
};

export async function cors(ctx: Context, next: Next): Promise<void> {
  ctx.set(CORS_HEADERS);
  if (ctx.method === 'OPTIONS') {
    ctx.status = 204;
    return;
  }
  await next();
}
