/**
 * `GET /_matrix/client/versions`. We advertise v1.1 to v1.12: matrix-js-sdk accepts v1.1-v1.13, nheko
 * v1.1-v1.10, and Element switches to authenticated media at v1.11 (DESIGN.md, Conventions).
 */
import Router from '@koa/router';

export const SUPPORTED_SPEC_VERSIONS: readonly string[] = [
  'r0.6.1', 'v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11', 'v1.12',
];

/** Feature flags clients probe; only those we actually implement. */
export const UNSTABLE_FEATURES: Readonly<Record<string, boolean>> = {};

export function versionsRoutes(): Router {
  const router = new Router();
  router.get('/_matrix/client/versions', (ctx) => {
    ctx.body = { versions: SUPPORTED_SPEC_VERSIONS, unstable_features: UNSTABLE_FEATURES };
  });
  return router;
}
