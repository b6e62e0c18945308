/**
 * Federation for the tenants, at the relay's listener. A request is the tenant's when its X-Matrix destination
 * names a tenant, or, unsigned (key fetches, `.well-known`), when its Host header does. A signed request for a
 * name that is neither a tenant nor the relay is refused (403 M_FORBIDDEN); everything else is the relay's own.
 *
 * While the tenant's tunnel is up, its requests go through the tunnel exactly as they came (method, path and
 * query, headers with Authorization, body), so the tenant verifies the sender's signature itself. While it is
 * down: `/send` transactions are verified here and stored in the tenant's mailbox (200 once stored), the key
 * document is served from the copy the relay keeps (signed by the tenant), and anything else is 503
 * M_UNAVAILABLE, which senders retry.
 */
import type { Context, Next } from 'koa';
import { MatrixError } from '../handlers/matrixError.ts';
import type { KeyRing } from '../federation/keyRing.ts';
import { parseXMatrixAuthorization } from '../federation/xMatrixAuthorization.ts';
import { bodyOf, originOf, requireServerAuth } from '../http/federation/federationAuthentication.ts';
import { readRawBody } from '../http/jsonBody.ts';
import type { RelayMailboxes } from './relayMailboxes.ts';
import type { RelayTenants } from './relayTenants.ts';
import { TunnelUnavailableError, type TenantTunnels } from './tenantTunnels.ts';
import { KEY_DOCUMENT_PATH, type TenantKeys } from './tenantKeys.ts';
import { endToEndHeaders, type TunnelResponse } from './tunnelProtocol.ts';
import { originAuthorizationOf } from './originAuthorization.ts';

export interface TenantFrontDoorDeps {
  readonly relayServerName: string;
  readonly tenants: RelayTenants;
  readonly tunnels: TenantTunnels;
  readonly mailboxes: RelayMailboxes;
  readonly keys: TenantKeys;
  readonly keyRing: KeyRing;
  readonly maxBodyBytes: number;
}

/** How long a sender is asked to wait before retrying a request that needs the tenant live. */
const OFFLINE_RETRY_MS = 30_000;

export function tenantFrontDoor(deps: TenantFrontDoorDeps) {
  return async function tenantFrontDoorMiddleware(ctx: Context, next: Next): Promise<void> {
    const tenant = addressedTenant(ctx, deps);
    if (tenant === null) return next();
    if (ctx.path === '/.well-known/matrix/server') {
      ctx.body = { 'm.server': deps.relayServerName };
      return;
    }
    if (deps.tunnels.isConnected(tenant)) {
      const body = await readRawBody(ctx, deps.maxBodyBytes);
      try {
        const response = await deps.tunnels.forward(tenant, { method: ctx.method, path: ctx.originalUrl, headers: endToEndHeaders(ctx.headers), body });
        if (isKeyDocumentRequest(ctx) && response.status === 200) deps.keys.remember(tenant, response.body);
        answerWith(ctx, response);
        return;
      } catch (e) {
        // The tunnel went away (or is saturated) while we asked: answer as if the tenant were offline.
        if (!(e instanceof TunnelUnavailableError)) throw e;
      }
    }
    await answerForOfflineTenant(ctx, tenant, deps);
  };
}

async function answerForOfflineTenant(ctx: Context, tenant: string, deps: TenantFrontDoorDeps): Promise<void> {
  if (isKeyDocumentRequest(ctx)) {
    const document = deps.keys.cached(tenant);
    if (!document) throw new MatrixError(503, 'M_UNAVAILABLE', `${tenant} is offline and its relay has no copy of its keys yet`, { retry_after_ms: OFFLINE_RETRY_MS });
    ctx.body = document;
    return;
  }
  const send = /^\/_matrix\/federation\/v1\/send\/([^/]+)$/.exec(ctx.path);
  if (ctx.method === 'PUT' && send) {
    // Verified here (destination = the tenant, as the sender signed it), so that only real transactions queue.
    let txnId: string;
    try {
      txnId = decodeURIComponent(send[1]!);
    } catch {
      throw MatrixError.invalidParam('The transaction ID is not valid percent-encoding');
    }
    await requireServerAuth(tenant, deps.keyRing, deps.maxBodyBytes)(ctx, async () => {});
    deps.mailboxes.deposit({
      tenant,
      origin: originOf(ctx),
      txnId,
      body: bodyOf(ctx),
      authorization: originAuthorizationOf(ctx, tenant),
    });
    ctx.body = { pdus: {} };
    return;
  }
  throw new MatrixError(503, 'M_UNAVAILABLE', `${tenant} is offline; its relay ${deps.relayServerName} keeps only /send transactions for it until it is back`, {
    retry_after_ms: OFFLINE_RETRY_MS,
  });
}

/** The tenant a request is for, or null when it is the relay's own. */
function addressedTenant(ctx: Context, deps: TenantFrontDoorDeps): string | null {
  const authorization = ctx.get('Authorization');
  if (authorization) {
    let destination: string | null = null;
    try {
      destination = parseXMatrixAuthorization(authorization).destination;
    } catch {
      // Not X-Matrix: the route itself will refuse it.
    }
    if (destination !== null) {
      if (deps.tenants.has(destination)) return destination;
      if (destination === deps.relayServerName) return null;
      throw MatrixError.forbidden(`This relay (${deps.relayServerName}) does not serve ${destination}`);
    }
  }
  const host = ctx.get('Host');
  if (deps.tenants.has(host)) return host;
  const withoutPort = host.replace(/:\d+$/, '');
  return deps.tenants.has(withoutPort) ? withoutPort : null;
}

function isKeyDocumentRequest(ctx: Context): boolean {
  return ctx.method === 'GET' && (ctx.path === KEY_DOCUMENT_PATH || ctx.path.startsWith(`${KEY_DOCUMENT_PATH}/`));
}

function answerWith(ctx: Context, response: TunnelResponse): void {
  ctx.status = response.status;
  for (const [name, value] of Object.entries(response.headers)) ctx.set(name, value);
  ctx.body = response.status === 204 || response.status === 304 ? null : response.body;
}
