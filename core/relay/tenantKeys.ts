/**
 * Tenants' key documents at the relay: fetched through the tenant's tunnel while it is up (and remembered each
 * time one passes through), served from the remembered copy while it is down. Only a document for the tenant
 * that is self-signed by every key it lists is remembered.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import type { TenantKeyDocumentStore } from './tenantKeyDocumentStore.ts';
import type { TenantTunnels } from './tenantTunnels.ts';

export const KEY_DOCUMENT_PATH = '/_matrix/key/v2/server';

/** Whether `document` is a valid, self-signed key document of `tenant` (KeyRing.checkDocument). */
export type KeyDocumentCheck = (tenant: string, document: unknown) => boolean;

export class TenantKeys {
  constructor(
    private readonly tunnels: TenantTunnels,
    private readonly store: TenantKeyDocumentStore,
    private readonly isValid: KeyDocumentCheck,
  ) {}

  /** The tenant's current key document: live through its tunnel, else the remembered one. */
  async fetch(tenant: string): Promise<JsonObject> {
    if (this.tunnels.isConnected(tenant)) {
      try {
        const response = await this.tunnels.forward(tenant, { method: 'GET', path: KEY_DOCUMENT_PATH, headers: { host: tenant, accept: 'application/json' }, body: Buffer.alloc(0) });
        if (response.status === 200) this.remember(tenant, response.body);
      } catch {
        // Offline after all, or slow: the remembered copy will do.
      }
    }
    const cached = this.store.get(tenant);
    if (!cached) throw new Error(`no key document of ${tenant}: it has not connected since the relay started keeping one`);
    return cached;
  }

  /** Remembers a key document that passed through the tunnel, if it is valid. */
  remember(tenant: string, body: Buffer): void {
    let document: unknown;
    try {
      document = JSON.parse(body.toString('utf8'));
    } catch {
      return;
    }
    if (this.isValid(tenant, document)) this.store.put(tenant, document as JsonObject);
  }

  cached(tenant: string): JsonObject | null {
    return this.store.get(tenant);
  }
}
