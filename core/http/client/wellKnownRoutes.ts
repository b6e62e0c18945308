/**
 * The well-known URIs served by the homeserver itself: `/.well-known/matrix/client` tells clients which base URL
 * to use; `/.well-known/matrix/support` says how to reach the server's administrators (the `support` config),
 * and is 404 when nothing is configured.
 */
import Router from '@koa/router';
import type { SupportConfig } from '../../config/supportConfig.ts';
import { MatrixError } from '../../handlers/matrixError.ts';

export function wellKnownClientRoutes(baseUrl: string): Router {
  const router = new Router();
  router.get('/.well-known/matrix/client', (ctx) => {
    ctx.body = { 'm.homeserver': { base_url: baseUrl } };
  });
  return router;
}

export function wellKnownSupportRoutes(support: SupportConfig | null): Router {
  const router = new Router();
  router.get('/.well-known/matrix/support', (ctx) => {
    if (!support) throw MatrixError.notFound('No support information is configured on this server');
    const body: { contacts?: Record<string, string>[]; support_page?: string } = {};
    if (support.contacts.length > 0) {
      body.contacts = support.contacts.map((contact) => {
        const entry: Record<string, string> = { role: contact.role };
        if (contact.matrix_id !== null) entry.matrix_id = contact.matrix_id;
        if (contact.email_address !== null) entry.email_address = contact.email_address;
        return entry;
      });
    }
    if (support.support_page !== null) body.support_page = support.support_page;
    ctx.body = body;
  });
  return router;
}
