/**
 * Cross-signing keys (each user's current master, self-signing and user-signing key; for other servers' users,
 * the master and self-signing keys we were told of, as Synapse keeps them in the same table) and the signatures users
 * upload for keys through /keys/signatures/upload. Signatures are stored apart from the signed objects and
 * merged in by readers, because who may see a signature depends on who asks.
 *
 * Changes of a user's signatures of *other* users' keys are recorded in `user_signature_stream`, with IDs from
 * the device-list generator (SEED-BEHAVIOURS.md §3), so that the signer's other devices hear about them.
 */
import type { Database } from '../../engine/database.ts';
import type { StreamIdGenerator } from '../../engine/streamIdGenerator.ts';
import { canonicalJson, type JsonObject } from '../../../crypto/canonicalJson.ts';

export type CrossSigningKeyType = 'master' | 'self_signing' | 'user_signing';

export const CROSS_SIGNING_KEY_TYPES: readonly CrossSigningKeyType[] = ['master', 'self_signing', 'user_signing'];

export interface StoredCrossSigningKey {
  readonly userId: string;
  readonly type: CrossSigningKeyType;
  /** The unpadded Base64 ed25519 public key (also the key's "device ID" in signatures and device lists). */
  readonly publicKey: string;
  readonly key: JsonObject;
}

export interface CrossSigningSignature {
  /** Who signed. */
  readonly userId: string;
  /** The signing key's ID, e.g. `ed25519:<self-signing public key>` or `ed25519:<device ID>`. */
  readonly keyId: string;
  readonly targetUserId: string;
  /** A device ID, or a master key's public key. */
  readonly targetDeviceId: string;
  readonly signature: string;
}

export class CrossSigningKeysStore {
  constructor(
    private readonly db: Database,
    private readonly deviceListsGenerator: StreamIdGenerator,
  ) {}

  getKey(userId: string, type: CrossSigningKeyType): StoredCrossSigningKey | null {
    const row = this.db.prepare('SELECT public_key, key_json FROM e2e_cross_signing_keys WHERE user_id = ? AND key_type = ?').get(userId, type) as
      | { public_key: string; key_json: string }
      | undefined;
    return row ? { userId, type, publicKey: row.public_key, key: JSON.parse(row.key_json) as JsonObject } : null;
  }

  /** Every stored key of these users, of the given types. */
  getKeys(userIds: readonly string[], types: readonly CrossSigningKeyType[]): StoredCrossSigningKey[] {
    if (userIds.length === 0 || types.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT user_id, key_type, public_key, key_json FROM e2e_cross_signing_keys
         WHERE user_id IN (SELECT value FROM json_each(?)) AND key_type IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(userIds), JSON.stringify(types)) as { user_id: string; key_type: CrossSigningKeyType; public_key: string; key_json: string }[];
    return rows.map((r) => ({ userId: r.user_id, type: r.key_type, publicKey: r.public_key, key: JSON.parse(r.key_json) as JsonObject }));
  }

  setKey(userId: string, type: CrossSigningKeyType, publicKey: string, key: JsonObject, now: number): void {
    this.db
      .prepare(
        `INSERT INTO e2e_cross_signing_keys (user_id, key_type, public_key, key_json, ts_added_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id, key_type) DO UPDATE SET public_key = excluded.public_key, key_json = excluded.key_json, ts_added_ms = excluded.ts_added_ms`,
      )
      .run(userId, type, publicKey, canonicalJson(key), now);
  }

  /** Forgets the user's keys of the given types (a remote user's, when they change or we stop tracking them). */
  deleteKeys(userId: string, types: readonly CrossSigningKeyType[]): void {
    this.db.prepare('DELETE FROM e2e_cross_signing_keys WHERE user_id = ? AND key_type IN (SELECT value FROM json_each(?))').run(userId, JSON.stringify(types));
  }

  /** Users of other servers whose keys we hold. */
  remoteUsers(ownServerName: string): string[] {
    return this.db.prepare('SELECT DISTINCT user_id FROM e2e_cross_signing_keys WHERE user_id NOT LIKE ?').pluck().all(`%:${ownServerName}`) as string[];
  }

  /** Whether `publicKey` is one of the user's cross-signing public keys (device IDs must not collide with them). */
  isCrossSigningPublicKey(userId: string, publicKey: string): boolean {
    return this.db.prepare('SELECT 1 FROM e2e_cross_signing_keys WHERE user_id = ? AND public_key = ?').pluck().get(userId, publicKey) !== undefined;
  }

  /**
   * Stored signatures of `targetUserId`'s keys made by any of `signerUserIds`, for the given targets (device IDs
   * or master public keys), or for all targets when `targetDeviceIds` is null.
   */
  signaturesOf(targetUserId: string, targetDeviceIds: readonly string[] | null, signerUserIds: readonly string[]): CrossSigningSignature[] {
    const rows = (
      targetDeviceIds === null
        ? this.db
            .prepare(
              `SELECT user_id, key_id, target_device_id, signature FROM e2e_cross_signing_signatures
               WHERE target_user_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
            )
            .all(targetUserId, JSON.stringify(signerUserIds))
        : this.db
            .prepare(
              `SELECT user_id, key_id, target_device_id, signature FROM e2e_cross_signing_signatures
               WHERE target_user_id = ? AND target_device_id IN (SELECT value FROM json_each(?)) AND user_id IN (SELECT value FROM json_each(?))`,
            )
            .all(targetUserId, JSON.stringify(targetDeviceIds), JSON.stringify(signerUserIds))
    ) as { user_id: string; key_id: string; target_device_id: string; signature: string }[];
    return rows.map((r) => ({ userId: r.user_id, keyId: r.key_id, targetUserId, targetDeviceId: r.target_device_id, signature: r.signature }));
  }

  /** Stores signatures, replacing an earlier one by the same key of the same target. */
  addSignatures(signatures: readonly CrossSigningSignature[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO e2e_cross_signing_signatures (user_id, key_id, target_user_id, target_device_id, signature) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (target_user_id, target_device_id, user_id, key_id) DO UPDATE SET signature = excluded.signature`,
    );
    for (const s of signatures) upsert.run(s.userId, s.keyId, s.targetUserId, s.targetDeviceId, s.signature);
  }

  /** Forgets every signature of a (deleted) device. */
  deleteSignaturesOf(targetUserId: string, targetDeviceId: string): void {
    this.db.prepare('DELETE FROM e2e_cross_signing_signatures WHERE target_user_id = ? AND target_device_id = ?').run(targetUserId, targetDeviceId);
  }

  /**
   * Records that `fromUserId` changed their signatures of `userIds`' keys (or their own user-signing key, with
   * `userIds` = [fromUserId]). Returns the stream ID. Call inside the transaction that stores the change.
   */
  addUserSignatureChange(fromUserId: string, userIds: readonly string[]): number {
    return this.deviceListsGenerator.withIds(1, ([id]) => {
      this.db.prepare('INSERT INTO user_signature_stream (stream_id, from_user_id, user_ids) VALUES (?, ?, ?)').run(id, fromUserId, JSON.stringify(userIds));
      return id!;
    });
  }

  /** Users whose keys `fromUserId` signed (or re-signed) in (from, to]. */
  usersSignedBetween(fromUserId: string, from: number, to: number): string[] {
    const rows = this.db
      .prepare('SELECT user_ids FROM user_signature_stream WHERE from_user_id = ? AND stream_id > ? AND stream_id <= ?')
      .pluck()
      .all(fromUserId, from, to) as string[];
    const users = new Set<string>();
    for (const json of rows) for (const userId of JSON.parse(json) as string[]) users.add(userId);
    return [...users].sort();
  }
}
