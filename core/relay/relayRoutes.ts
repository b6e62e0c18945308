/**
 * The relay's own federation API (Dendrite-compatible): `PUT send_relay/{txnId}/{userId}` deposits a
 * transaction for the server of `userId`; `GET` (or `POST`) `relay_txn/{userId}` with `{"entry_id": N}`
 * acknowledges N and returns the next oldest. Both are X-Matrix signed and addressed to the relay.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { domainOf, isAcceptableUserId } from '../events/identifiers.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import type { KeyRing } from '../federation/keyRing.ts';
import { bodyOf, originOf, requireServerAuth } from '../http/federation/federationAuthentication.ts';
import type { RelayMailboxes } from './relayMailboxes.ts';
import { originAuthorizationOf } from './originAuthorization.ts';

export interface RelayRoutesDeps {
  readonly relayServerName: string;
  readonly keyRing: KeyRing;
  readonly mailboxes: RelayMailboxes;
  readonly maxBodyBytes: number;
  readonly softwareVersion: string;
}

export function relayRoutes(deps: RelayRoutesDeps): Router {
  const router = new Router({ prefix: '/_matrix/federation' });
  const auth = requireServerAuth(deps.relayServerName, deps.keyRing, deps.maxBodyBytes);

  router.get('/v1/version', (ctx) => {
    ctx.body = { server: { name: 'Hearth relay', version: deps.softwareVersion } };
  });

  router.put('/v1/send_relay/:txnId/:userId', auth, (ctx) => {
    const userId = String(ctx.params.userId);
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    deps.mailboxes.deposit({
      tenant: domainOf(userId)!,
      origin: originOf(ctx),
      txnId: String(ctx.params.txnId),
      body: bodyOf(ctx),
      authorization: originAuthorizationOf(ctx, deps.relayServerName),
    });
    ctx.body = {};
  });

  const pull = (ctx: Context) => {
    ctx.body = deps.mailboxes.pull(originOf(ctx), String(ctx.params.userId), bodyOf(ctx));
  };
  router.get('/v1/relay_txn/:userId', auth, pull);
  router.post('/v1/relay_txn/:userId', auth, pull);
  return router;
}
