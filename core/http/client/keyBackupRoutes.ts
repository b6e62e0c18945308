/**
 * Server-side key backups: `/room_keys/version[/{version}]` and `/room_keys/keys[/{roomId}[/{sessionId}]]`
 * (the latter with a `version` query parameter).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { KeyBackupHandler, RoomKeysScope } from '../../handlers/keyBackup/keyBackupHandler.ts';
import { readJsonObject } from '../jsonBody.ts';
import { queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface KeyBackupRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly keyBackup: KeyBackupHandler;
  readonly maxBodyBytes: number;
}

export function keyBackupRoutes(deps: KeyBackupRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes, emptyIsObject: false });
  const backup = deps.keyBackup;
  const userOf = (ctx: Context) => requesterOf(ctx).userId;
  const version = (ctx: Context) => queryString(ctx.query, 'version');

  router.post(clientV3('/room_keys/version'), auth, async (ctx) => {
    ctx.body = backup.createVersion(userOf(ctx), await body(ctx));
  });
  router.get(clientV3('/room_keys/version'), auth, (ctx) => {
    ctx.body = backup.getVersion(userOf(ctx), null);
  });
  router.get(clientV3('/room_keys/version/:version'), auth, (ctx) => {
    ctx.body = backup.getVersion(userOf(ctx), String(ctx.params.version));
  });
  router.put(clientV3('/room_keys/version/:version'), auth, async (ctx) => {
    backup.updateVersion(userOf(ctx), String(ctx.params.version), await body(ctx));
    ctx.body = {};
  });
  router.delete(clientV3('/room_keys/version/:version'), auth, (ctx) => {
    backup.deleteVersion(userOf(ctx), String(ctx.params.version));
    ctx.body = {};
  });

  const scopes: [string, (ctx: Context) => RoomKeysScope][] = [
    ['/room_keys/keys', () => ({ roomId: null, sessionId: null })],
    ['/room_keys/keys/:roomId', (ctx) => ({ roomId: String(ctx.params.roomId), sessionId: null })],
    ['/room_keys/keys/:roomId/:sessionId', (ctx) => ({ roomId: String(ctx.params.roomId), sessionId: String(ctx.params.sessionId) })],
  ];
  for (const [path, scope] of scopes) {
    router.put(clientV3(path), auth, async (ctx) => {
      ctx.body = backup.putKeys(userOf(ctx), version(ctx), scope(ctx), await body(ctx));
    });
    router.get(clientV3(path), auth, (ctx) => {
      ctx.body = backup.getKeys(userOf(ctx), version(ctx), scope(ctx));
    });
    router.delete(clientV3(path), auth, (ctx) => {
      ctx.body = backup.deleteKeys(userOf(ctx), version(ctx), scope(ctx));
    });
  }
  return router;
}
