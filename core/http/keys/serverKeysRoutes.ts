/** `GET /_matrix/key/v2/server` (and the deprecated `/{keyId}` form, which returns the same document). */
import Router from '@koa/router';
import type { ServerKeyDocument } from '../../federation/serverKeyDocument.ts';

export function serverKeysRoutes(keys: ServerKeyDocument): Router {
  const router = new Router();
  router.get('/_matrix/key/v2/server', (ctx) => {
    ctx.body = keys.current();
  });
  router.get('/_matrix/key/v2/server/:keyId', (ctx) => {
    ctx.body = keys.current();
  });
  return router;
}
