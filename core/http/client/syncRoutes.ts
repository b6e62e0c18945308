/**
 * `GET /sync`: query parameters in, the sync handler's response out. A client that goes away ends its wait; a
 * sync answered because the server stops closes its connection.
 */
import Router from '@koa/router';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { SyncHandler } from '../../handlers/sync/syncHandler.ts';
import { isPresenceState } from '../../storage/databases/main/presenceStore.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { queryBoolean, queryInteger, queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface SyncRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly sync: SyncHandler;
}

export function syncRoutes(deps: SyncRoutesDeps): Router {
  const router = new Router();
  router.get(clientV3('/sync'), requireAuth(deps.tokens), async (ctx) => {
    const { userId, deviceId } = requesterOf(ctx);
    const setPresence = queryString(ctx.query, 'set_presence') ?? 'online';
    if (!isPresenceState(setPresence)) throw MatrixError.invalidParam('set_presence must be online, offline or unavailable');
    const clientGone = new AbortController();
    const onClose = () => clientGone.abort();
    ctx.res.once('close', onClose);
    try {
      ctx.body = await deps.sync.sync({
        userId,
        deviceId,
        since: queryString(ctx.query, 'since'),
        filter: queryString(ctx.query, 'filter'),
        fullState: queryBoolean(ctx.query, 'full_state', false),
        timeoutMs: queryInteger(ctx.query, 'timeout', { min: 0 }) ?? 0,
        setPresence,
        signal: clientGone.signal,
      });
    } finally {
      ctx.res.off('close', onClose);
    }
    // A long-poll answered because the server stops: do not keep its connection alive (it would hold shutdown).
    if (deps.sync.stopping) ctx.set('Connection', 'close');
  });
  return router;
}
