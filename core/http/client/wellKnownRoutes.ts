/** `GET /.well-known/matrix/client`: tells clients which base URL to use for this server. */
import Router from '@koa/router';

export function wellKnownClientRoutes(baseUrl: string): Router {
  const router = new Router();
  router.get('/.well-known/matrix/client', (ctx) => {
    ctx.body = { 'm.homeserver': { base_url: baseUrl } };
  });
  return router;
}
