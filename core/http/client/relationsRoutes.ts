/** `/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]` and `/rooms/{roomId}/threads` (client-server v1). */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { DEFAULT_RELATIONS_LIMIT, MAX_RELATIONS_LIMIT, type RelationsHandler } from '../../handlers/relations/relationsHandler.ts';
import { DEFAULT_THREADS_LIMIT, MAX_THREADS_LIMIT, type ThreadsHandler } from '../../handlers/relations/threadsHandler.ts';
import { parseRoomToken } from '../../handlers/events/roomPaginationToken.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { queryBoolean, queryInteger, queryString } from '../requestFields.ts';
import { clientV1 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';
import { eventIdParam, roomIdParam } from './pathParams.ts';

export interface RelationsRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly relations: RelationsHandler;
  readonly threads: ThreadsHandler;
}

function limitOf(ctx: Context, fallback: number, max: number): number {
  return Math.min(queryInteger(ctx.query, 'limit', { min: 1 }) ?? fallback, max);
}

export function relationsRoutes(deps: RelationsRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);

  router.get(clientV1('/rooms/:roomId/relations/:eventId{/:relType}{/:eventType}'), auth, async (ctx) => {
    const dir = queryString(ctx.query, 'dir') ?? 'b';
    if (dir !== 'b' && dir !== 'f') throw MatrixError.invalidParam('dir must be "b" or "f"');
    const fromText = queryString(ctx.query, 'from') || null;
    const toText = queryString(ctx.query, 'to') || null;
    const recurse = queryString(ctx.query, 'recurse') === null ? null : queryBoolean(ctx.query, 'recurse', false);
    ctx.body = await deps.relations.relations(requesterOf(ctx), roomIdParam(ctx), eventIdParam(ctx), {
      relType: ctx.params.relType === undefined ? null : String(ctx.params.relType),
      eventType: ctx.params.eventType === undefined ? null : String(ctx.params.eventType),
      direction: dir,
      from: fromText ? parseRoomToken(fromText, 'from') : null,
      fromText,
      to: toText ? parseRoomToken(toText, 'to') : null,
      limit: limitOf(ctx, DEFAULT_RELATIONS_LIMIT, MAX_RELATIONS_LIMIT),
      recurse,
    });
  });

  router.get(clientV1('/rooms/:roomId/threads'), auth, async (ctx) => {
    const include = queryString(ctx.query, 'include') ?? 'all';
    if (include !== 'all' && include !== 'participated') throw MatrixError.invalidParam('include must be "all" or "participated"');
    const fromText = queryString(ctx.query, 'from') || null;
    ctx.body = await deps.threads.threads(requesterOf(ctx), roomIdParam(ctx), {
      include,
      from: fromText ? parseRoomToken(fromText, 'from') : null,
      limit: limitOf(ctx, DEFAULT_THREADS_LIMIT, MAX_THREADS_LIMIT),
    });
  });
  return router;
}
