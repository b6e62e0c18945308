/**
 * The master and self-signing keys of other servers' users, as their servers told us: in `m.signing_key_update`
 * EDUs, whole device lists (`GET /user/devices`) and `/user/keys/query` answers. Kept in `e2e_cross_signing_keys`
 * beside our own users' keys, as Synapse does, so `/keys/query` can answer from them and our users can sign a
 * remote user's master key with their user-signing key.
 *
 * Keys are checked before they are kept: a master key must be well formed and the user's; a self-signing key must
 * also be signed by the user's master key (the new one, or the one we hold). A master key that changes takes the
 * self-signing key it no longer signs with it. Callers run these methods inside the transaction that records the
 * change in the device-list stream, and pass the returned public keys on as the "devices" that changed.
 */
import { canonicalJson, type JsonObject, type JsonValue } from '../crypto/canonicalJson.ts';
import type { CrossSigningKeysStore, CrossSigningKeyType } from '../storage/databases/main/crossSigningKeysStore.ts';
import { parseCrossSigningKey, requireSignature, type ParsedCrossSigningKey } from '../handlers/keys/crossSigningKey.ts';
import { fromStored } from '../handlers/keys/crossSigningKeysHandler.ts';

const REMOTE_TYPES: readonly CrossSigningKeyType[] = ['master', 'self_signing'];

export interface RemoteCrossSigningUpdate {
  readonly master?: JsonValue | undefined;
  readonly selfSigning?: JsonValue | undefined;
}

/** The key parsed, or null when it is not a valid key of `type` for the user. */
function parsedOrNull(value: JsonValue | undefined, userId: string, type: CrossSigningKeyType): ParsedCrossSigningKey | null {
  if (value === undefined) return null;
  try {
    return parseCrossSigningKey(value, userId, type, type);
  } catch {
    return null;
  }
}

function signedBy(key: ParsedCrossSigningKey, userId: string, master: ParsedCrossSigningKey): boolean {
  try {
    requireSignature(key.key, userId, master.keyId, master.verifyKey, key.type);
    return true;
  } catch {
    return false;
  }
}

export class RemoteCrossSigningKeys {
  constructor(private readonly keys: CrossSigningKeysStore) {}

  /** The user's master and self-signing keys we hold. */
  held(userId: string): { master: JsonObject | null; selfSigning: JsonObject | null } {
    const held = new Map(this.keys.getKeys([userId], REMOTE_TYPES).map((k) => [k.type, k.key]));
    return { master: held.get('master') ?? null, selfSigning: held.get('self_signing') ?? null };
  }

  /**
   * Applies what the user's server sent. `whole`: the update is the user's complete set (a device list or a key
   * query answer), so a key it lacks is gone; otherwise (an EDU) only the keys it carries change. Invalid keys are
   * ignored. Returns the public keys added or removed (empty when nothing changed).
   */
  apply(userId: string, update: RemoteCrossSigningUpdate, whole: boolean): string[] {
    const stored = new Map(this.keys.getKeys([userId], REMOTE_TYPES).map((k) => [k.type, fromStored(k)]));
    const sentMaster = parsedOrNull(update.master, userId, 'master');
    if (update.master !== undefined && sentMaster === null && !whole) return [];
    const master = sentMaster ?? (whole ? null : (stored.get('master') ?? null));
    let selfSigning = parsedOrNull(update.selfSigning, userId, 'self_signing') ?? (whole ? null : (stored.get('self_signing') ?? null));
    if (selfSigning !== null && (master === null || !signedBy(selfSigning, userId, master))) selfSigning = null;

    const changed: string[] = [];
    for (const [type, next] of [
      ['master', master],
      ['self_signing', selfSigning],
    ] as const) {
      const before = stored.get(type) ?? null;
      if (before !== null && next !== null && canonicalJson(before.key) === canonicalJson(next.key)) continue;
      if (before === null && next === null) continue;
      if (next === null) this.keys.deleteKeys(userId, [type]);
      else this.keys.setKey(userId, type, next.publicKey, next.key, Date.now());
      if (before !== null) changed.push(before.publicKey);
      if (next !== null && next.publicKey !== before?.publicKey) changed.push(next.publicKey);
    }
    return changed;
  }

  /** Users of other servers whose keys we hold. */
  heldUsers(ownServerName: string): string[] {
    return this.keys.remoteUsers(ownServerName);
  }

  /** Forgets the user's keys (we no longer share a room, so no updates would reach us). */
  forget(userId: string): void {
    this.keys.deleteKeys(userId, REMOTE_TYPES);
  }
}
