/** Remote servers' signing keys as fetched and checked by the key ring. */
import type { Database } from '../../engine/database.ts';

export interface StoredServerKey {
  readonly serverName: string;
  readonly keyId: string;
  /** Unpadded Base64 public key. */
  readonly verifyKey: string;
  readonly validUntilTs: number;
  readonly expiredTs: number | null;
  readonly fetchedTs: number;
}

export class ServerKeysStore {
  constructor(private readonly db: Database) {}

  getKey(serverName: string, keyId: string): StoredServerKey | null {
    const row = this.db.prepare('SELECT * FROM server_signature_keys WHERE server_name = ? AND key_id = ?').get(serverName, keyId) as
      | { server_name: string; key_id: string; verify_key: string; valid_until_ts: number; expired_ts: number | null; fetched_ts: number }
      | undefined;
    return row
      ? { serverName: row.server_name, keyId: row.key_id, verifyKey: row.verify_key, validUntilTs: row.valid_until_ts, expiredTs: row.expired_ts, fetchedTs: row.fetched_ts }
      : null;
  }

  /** Stores keys; a key already known keeps the later validity of the two. */
  storeKeys(keys: readonly StoredServerKey[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO server_signature_keys (server_name, key_id, verify_key, valid_until_ts, expired_ts, fetched_ts) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (server_name, key_id) DO UPDATE SET
         verify_key = excluded.verify_key,
         valid_until_ts = MAX(valid_until_ts, excluded.valid_until_ts),
         expired_ts = COALESCE(excluded.expired_ts, expired_ts),
         fetched_ts = excluded.fetched_ts`,
    );
    this.db.transaction(() => {
      for (const k of keys) upsert.run(k.serverName, k.keyId, k.verifyKey, k.validUntilTs, k.expiredTs, k.fetchedTs);
    })();
  }
}
