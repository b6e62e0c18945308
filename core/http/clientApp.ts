/**
 * The koa application behind the client listener: CORS, error mapping, size limits, and the routers of each
 * API surface. Anything no router claims is 404 `M_UNRECOGNIZED`; a known path with the wrong method is 405.
 */
import Koa from 'koa';
import type Router from '@koa/router';
import { cors } from './cors.ts';
import { errorResponses } from './errorResponses.ts';
import { bodySizeLimit, type BodyLimitOverride } from './jsonBody.ts';
import type { Logger } from '../logging/logger.ts';

export interface ClientAppOptions {
  readonly log: Logger;
  readonly maxRequestBodyBytes: number;
  /** Larger (or smaller) body limits for some paths, e.g. media uploads. */
  readonly bodyLimitOverrides?: readonly BodyLimitOverride[];
  readonly routers: readonly Router[];
}

export function createClientApp(options: ClientAppOptions): Koa {
  const app = new Koa();
  // Errors are answered and logged by errorResponses; koa's default handler would print them again.
  app.silent = true;
  app.use(errorResponses(options.log));
  app.use(cors);
  app.use(bodySizeLimit(options.maxRequestBodyBytes, options.bodyLimitOverrides));
  for (const router of options.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true }));
  }
  return app;
}
