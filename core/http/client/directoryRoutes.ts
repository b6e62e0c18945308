/** Room aliases, room visibility in the directory, and the local public room list. */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { RoomDirectoryHandler } from '../../handlers/rooms/roomDirectoryHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { isValidRoomId } from '../../events/identifiers.ts';
import { readJsonObject } from '../jsonBody.ts';
import { isJsonObject, optionalInteger, optionalString, queryInteger, queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface DirectoryRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly directory: RoomDirectoryHandler;
  readonly serverName: string;
  readonly maxBodyBytes: number;
}

export function directoryRoutes(deps: DirectoryRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
  const roomId = (ctx: Context) => {
    const id = String(ctx.params.roomId);
    if (!isValidRoomId(id)) throw MatrixError.invalidParam(`${id} is not a valid room ID`);
    return id;
  };

  router.put(clientV3('/directory/room/:roomAlias'), auth, async (ctx) => {
    const b = await body(ctx);
    await deps.directory.createAlias(requesterOf(ctx), String(ctx.params.roomAlias), b.room_id);
    ctx.body = {};
  });
  router.get(clientV3('/directory/room/:roomAlias'), (ctx) => {
    ctx.body = deps.directory.resolveAlias(String(ctx.params.roomAlias));
  });
  router.delete(clientV3('/directory/room/:roomAlias'), auth, async (ctx) => {
    await deps.directory.deleteAlias(requesterOf(ctx), String(ctx.params.roomAlias));
    ctx.body = {};
  });
  router.get(clientV3('/rooms/:roomId/aliases'), auth, async (ctx) => {
    ctx.body = { aliases: await deps.directory.roomAliases(requesterOf(ctx), roomId(ctx)) };
  });
  router.get(clientV3('/directory/list/room/:roomId'), (ctx) => {
    ctx.body = { visibility: deps.directory.getVisibility(roomId(ctx)) };
  });
  router.put(clientV3('/directory/list/room/:roomId'), auth, async (ctx) => {
    const b = await body(ctx);
    await deps.directory.setVisibility(requesterOf(ctx), roomId(ctx), b.visibility ?? 'public');
    ctx.body = {};
  });

  const checkServer = (server: string | null) => {
    // Only our own directory: asking for another server's would need federation.
    if (server !== null && server !== '' && server !== deps.serverName) {
      throw MatrixError.notFound(`The directory of ${server} is not available`);
    }
  };
  router.get(clientV3('/publicRooms'), async (ctx) => {
    checkServer(queryString(ctx.query, 'server'));
    ctx.body = await deps.directory.publicRooms({
      limit: queryInteger(ctx.query, 'limit', { min: 0 }),
      since: queryString(ctx.query, 'since'),
      searchTerm: null,
    });
  });
  router.post(clientV3('/publicRooms'), auth, async (ctx) => {
    checkServer(queryString(ctx.query, 'server'));
    const b = await body(ctx);
    const filter = b.filter;
    if (filter !== undefined && filter !== null && !isJsonObject(filter)) throw MatrixError.badJson('filter must be an object');
    const term = isJsonObject(filter) ? optionalString(filter, 'generic_search_term') : null;
    const limit = optionalInteger(b, 'limit');
    if (limit !== null && limit < 0) throw MatrixError.badJson('limit must not be negative');
    ctx.body = await deps.directory.publicRooms({ limit, since: optionalString(b, 'since'), searchTerm: term });
  });
  return router;
}
