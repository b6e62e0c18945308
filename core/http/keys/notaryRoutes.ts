/** `POST /_matrix/key/v2/query` and `GET /_matrix/key/v2/query/{serverName}`: this server as a notary (public, unauthenticated). */
import Router from '@koa/router';
import type { NotaryServer } from '../../federation/notaryServer.ts';
import { readJsonObject } from '../jsonBody.ts';
import { queryInteger } from '../requestFields.ts';

export function notaryRoutes(notary: NotaryServer, maxBodyBytes: number): Router {
  const router = new Router();
  router.post('/_matrix/key/v2/query', async (ctx) => {
    ctx.body = await notary.query(await readJsonObject(ctx, { maxBytes: maxBodyBytes, emptyIsObject: false }));
  });
  router.get('/_matrix/key/v2/query/:serverName', async (ctx) => {
    ctx.body = await notary.queryOne(String(ctx.params.serverName), queryInteger(ctx.query, 'minimum_valid_until_ts', { min: 0 }) ?? 0);
  });
  return router;
}
