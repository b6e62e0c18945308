/**
 * The last key document each tenant published, as it passed through its tunnel. The relay serves it while the
 * tunnel is down: safe, because the document is signed by the tenant and every reader checks that signature.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import type { Database } from '../storage/engine/database.ts';

export class TenantKeyDocumentStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  get(tenant: string): JsonObject | null {
    const json = this.db.prepare('SELECT document_json FROM relay_tenant_key_documents WHERE tenant = ?').pluck().get(tenant) as string | undefined;
    return json === undefined ? null : (JSON.parse(json) as JsonObject);
  }

  /** Keeps `document` (already checked: for this tenant and self-signed) in place of the previous one. */
  put(tenant: string, document: JsonObject): void {
    this.db
      .prepare('INSERT INTO relay_tenant_key_documents (tenant, document_json, stored_ts) VALUES (?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET document_json = excluded.document_json, stored_ts = excluded.stored_ts')
      .run(tenant, JSON.stringify(document), this.now());
  }
}
