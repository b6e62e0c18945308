/**
 * End-to-end encryption keys: `/keys/upload`, `/keys/query`, `/keys/claim`, `/keys/changes`,
 * `/keys/device_signing/upload`, `/keys/signatures/upload`.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { E2eeHandlers } from '../../handlers/keys/e2eeHandlers.ts';
import { readJsonObject } from '../jsonBody.ts';
import { queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface KeysRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly e2ee: E2eeHandlers;
  readonly maxBodyBytes: number;
}

export function keysRoutes(deps: KeysRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
  const { e2ee } = deps;

  router.post(clientV3('/keys/upload'), auth, async (ctx) => {
    ctx.body = e2ee.keyUpload.upload(requesterOf(ctx), await body(ctx));
  });
  router.post(clientV3('/keys/query'), auth, async (ctx) => {
    ctx.body = await e2ee.keyQuery.query(requesterOf(ctx), await body(ctx));
  });
  router.post(clientV3('/keys/claim'), auth, async (ctx) => {
    ctx.body = await e2ee.keyClaim.claim(await body(ctx));
  });
  router.get(clientV3('/keys/changes'), auth, (ctx) => {
    ctx.body = e2ee.keyChanges.changes(requesterOf(ctx), queryString(ctx.query, 'from'), queryString(ctx.query, 'to'));
  });
  router.post(clientV3('/keys/device_signing/upload'), auth, async (ctx) => {
    await e2ee.crossSigning.upload(requesterOf(ctx), await body(ctx));
    ctx.body = {};
  });
  router.post(clientV3('/keys/signatures/upload'), auth, async (ctx) => {
    ctx.body = e2ee.signatures.upload(requesterOf(ctx), await body(ctx));
  });
  return router;
}
