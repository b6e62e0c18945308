import type { Migration } from '../../storage/engine/migrations.ts';

/**
 * The relay service's database: its identity, the signing keys of the servers it talks to (for X-Matrix), one
 * mailbox per tenant with running totals kept by triggers (the limits are checked on every deposit), and the
 * last key document each tenant published (served while its tunnel is down).
 */
export const r0001Relay: Migration = {
  version: 1,
  name: 'relay',
  up(db) {
    db.exec(`
      CREATE TABLE server_identity (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      -- The key ring's cache (same shape as the homeserver's, so the same store serves both).
      CREATE TABLE server_signature_keys (
        server_name TEXT NOT NULL,
        key_id TEXT NOT NULL,
        verify_key TEXT NOT NULL,
        valid_until_ts INTEGER NOT NULL,
        expired_ts INTEGER,
        fetched_ts INTEGER NOT NULL,
        PRIMARY KEY (server_name, key_id)
      );

      -- Transactions waiting for a tenant, oldest first. content_json is the body exactly as its origin signed
      -- it; authorization_json the rest of the origin's X-Matrix signature (null for Dendrite-style senders'
      -- deposits that we could not tie to a signature: the tenant then accepts only the signed PDUs).
      CREATE TABLE relay_mailbox (
        entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        origin TEXT NOT NULL,
        txn_id TEXT NOT NULL,
        content_json TEXT NOT NULL,
        authorization_json TEXT,
        size_bytes INTEGER NOT NULL,
        received_ts INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX relay_mailbox_txn ON relay_mailbox (tenant, origin, txn_id);
      CREATE INDEX relay_mailbox_by_tenant ON relay_mailbox (tenant, entry_id);

      CREATE TABLE relay_mailbox_totals (
        tenant TEXT PRIMARY KEY,
        entries INTEGER NOT NULL,
        bytes INTEGER NOT NULL
      );
      CREATE TRIGGER relay_mailbox_added AFTER INSERT ON relay_mailbox BEGIN
        INSERT INTO relay_mailbox_totals (tenant, entries, bytes) VALUES (NEW.tenant, 1, NEW.size_bytes)
          ON CONFLICT (tenant) DO UPDATE SET entries = entries + 1, bytes = bytes + NEW.size_bytes;
      END;
      CREATE TRIGGER relay_mailbox_removed AFTER DELETE ON relay_mailbox BEGIN
        UPDATE relay_mailbox_totals SET entries = entries - 1, bytes = bytes - OLD.size_bytes WHERE tenant = OLD.tenant;
      END;

      CREATE TABLE relay_tenant_key_documents (
        tenant TEXT PRIMARY KEY,
        document_json TEXT NOT NULL,
        stored_ts INTEGER NOT NULL
      );
    `);
  },
};
