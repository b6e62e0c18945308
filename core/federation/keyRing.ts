/**
 * The key ring: other servers' signing keys, fetched from `/_matrix/key/v2/server` (or through notary servers),
 * checked (the document must name the server and be self-signed by the keys it publishes), cached in SQLite, and
 * used to verify signed JSON and events. A key is trusted until the lesser of its `valid_until_ts` and seven days
 * after we fetched it (room versions 5+ require validity at the event's time; see v5-signing-requirements).
 */
import type { KeyObject } from 'node:crypto';
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { decodeBase64, Base64Error } from '../crypto/base64.ts';
import { publicKeyObject } from '../crypto/ed25519.ts';
import { checkJsonSignature } from '../crypto/jsonSigning.ts';
import type { SigningKey } from '../crypto/signingKey.ts';
import type { ServerKeysStore, StoredServerKey } from '../storage/databases/main/serverKeysStore.ts';
import type { Logger } from '../logging/logger.ts';

export const MAX_KEY_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/** Fetches a server's own key document (unsigned GET of /_matrix/key/v2/server). */
export type KeyDocumentFetcher = (serverName: string) => Promise<unknown>;
/** Asks a notary for another server's key documents (POST /_matrix/key/v2/query). */
export type NotaryKeyFetcher = (notary: string, serverName: string, keyIds: readonly string[]) => Promise<unknown[]>;

export interface KeyRingOptions {
  readonly ownServerName: string;
  readonly ownKey: SigningKey;
  readonly store: ServerKeysStore;
  readonly fetchDirect: KeyDocumentFetcher;
  readonly fetchFromNotary?: NotaryKeyFetcher;
  readonly notaries?: readonly string[];
  readonly log?: Logger;
  readonly now?: () => number;
}

export interface VerifyKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** Until when the key verifies current signatures. */
  readonly validUntilTs: number;
  /** For an old key: signatures made before this time still verify. */
  readonly expiredTs: number | null;
}

/** Decoded keys kept in memory; a server has a handful, so this is many servers' worth. */
const MAX_DECODED_KEYS = 10_000;

export class KeyRing {
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Keys already read and decoded: verifying a room's worth of events (a send_join answer) would otherwise read
   * SQLite and build a key object for every signature, which costs more than checking the signature.
   */
  private readonly decoded = new Map<string, { readonly stored: StoredServerKey; readonly key: VerifyKey }>();
  private readonly now: () => number;

  constructor(private readonly options: KeyRingOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The key `keyId` of `serverName` if it can be used for a signature made at `at` (default now): fetched when
   * missing or too old. Null when no such valid key can be had.
   */
  async getKey(serverName: string, keyId: string, at: number = this.now()): Promise<VerifyKey | null> {
    if (serverName === this.options.ownServerName) {
      const own = this.options.ownKey;
      return own.keyId === keyId ? { keyId, publicKey: publicKeyObject(own.keyPair.publicKey), validUntilTs: Number.MAX_SAFE_INTEGER, expiredTs: null } : null;
    }
    const usable = (k: StoredServerKey | null) => k !== null && (k.expiredTs !== null ? at < k.expiredTs : k.validUntilTs >= at);
    const cacheKey = `${serverName}\n${keyId}`;
    const decoded = this.decoded.get(cacheKey);
    if (decoded && usable(decoded.stored)) return decoded.key;
    let stored = this.options.store.getKey(serverName, keyId);
    if (!usable(stored)) {
      await this.fetchKeys(serverName, [keyId]);
      stored = this.options.store.getKey(serverName, keyId);
    }
    if (!stored || !usable(stored)) return null;
    let key: VerifyKey;
    try {
      key = { keyId, publicKey: publicKeyObject(decodeBase64(stored.verifyKey)), validUntilTs: stored.validUntilTs, expiredTs: stored.expiredTs };
    } catch {
      return null;
    }
    if (this.decoded.size >= MAX_DECODED_KEYS) this.decoded.clear();
    this.decoded.set(cacheKey, { stored, key });
    return key;
  }

  /**
   * Whether `object` carries a valid signature of `serverName` by a key usable at `at`. Tries each of the
   * server's signatures (only ed25519 keys), fetching keys as needed.
   */
  async isSignedBy(object: JsonObject, serverName: string, at: number = this.now(), redactedForm?: JsonObject): Promise<boolean> {
    const signatures = object.signatures;
    if (typeof signatures !== 'object' || signatures === null || Array.isArray(signatures)) return false;
    const byServer = signatures[serverName];
    if (typeof byServer !== 'object' || byServer === null || Array.isArray(byServer)) return false;
    for (const keyId of Object.keys(byServer)) {
      if (!keyId.startsWith('ed25519:')) continue;
      const key = await this.getKey(serverName, keyId, at);
      if (!key) continue;
      const target = redactedForm ? { ...redactedForm, signatures } : object;
      if (checkJsonSignature(target, serverName, keyId, key.publicKey).ok) return true;
    }
    return false;
  }

  /** Fetches and stores the server's keys (shared between concurrent callers). */
  private fetchKeys(serverName: string, keyIds: readonly string[]): Promise<void> {
    let pending = this.inFlight.get(serverName);
    if (!pending) {
      pending = this.fetchAndStore(serverName, keyIds).finally(() => this.inFlight.delete(serverName));
      this.inFlight.set(serverName, pending);
    }
    return pending;
  }

  private async fetchAndStore(serverName: string, keyIds: readonly string[]): Promise<void> {
    try {
      const document = await this.options.fetchDirect(serverName);
      const keys = this.checkDocument(serverName, document);
      if (keys.length > 0) {
        this.storeKeys(serverName, keys);
        if (keyIds.every((id) => keys.some((k) => k.keyId === id))) return;
      }
    } catch (e) {
      this.options.log?.warn(`fetching the keys of ${serverName} directly failed: ${(e as Error).message}`);
    }
    for (const notary of this.options.notaries ?? []) {
      if (!this.options.fetchFromNotary) break;
      try {
        const documents = await this.options.fetchFromNotary(notary, serverName, keyIds);
        for (const document of documents) {
          // The notary vouches for the document with its own signature, checked with a key we trust for it.
          if (typeof document !== 'object' || document === null || Array.isArray(document)) continue;
          if (!(await this.isSignedBy(document as JsonObject, notary))) continue;
          const keys = this.checkDocument(serverName, document);
          if (keys.length > 0) this.storeKeys(serverName, keys);
        }
        if (keyIds.every((id) => this.options.store.getKey(serverName, id))) return;
      } catch (e) {
        this.options.log?.warn(`fetching the keys of ${serverName} through ${notary} failed: ${(e as Error).message}`);
      }
    }
  }

  private storeKeys(serverName: string, keys: readonly StoredServerKey[]): void {
    this.options.store.storeKeys(keys);
    for (const cacheKey of this.decoded.keys()) if (cacheKey.startsWith(`${serverName}\n`)) this.decoded.delete(cacheKey);
  }

  /**
   * The keys of a key document, if it is for `serverName` and self-signed by each key it lists in `verify_keys`.
   */
  checkDocument(serverName: string, document: unknown): StoredServerKey[] {
    if (typeof document !== 'object' || document === null || Array.isArray(document)) return [];
    const doc = document as JsonObject;
    if (doc.server_name !== serverName) return [];
    const validUntil = typeof doc.valid_until_ts === 'number' ? doc.valid_until_ts : 0;
    const verifyKeys = doc.verify_keys;
    if (typeof verifyKeys !== 'object' || verifyKeys === null || Array.isArray(verifyKeys)) return [];
    const now = this.now();
    const keys: StoredServerKey[] = [];
    for (const [keyId, entry] of Object.entries(verifyKeys)) {
      if (!keyId.startsWith('ed25519:') || typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof entry.key !== 'string') return [];
      let publicKey: KeyObject;
      try {
        publicKey = publicKeyObject(decodeBase64(entry.key));
      } catch (e) {
        if (e instanceof Base64Error || e instanceof RangeError) return [];
        throw e;
      }
      // Every published key must have signed the document: otherwise someone else's key could be slipped in.
      if (!checkJsonSignature(doc, serverName, keyId, publicKey).ok) return [];
      keys.push({ serverName, keyId, verifyKey: entry.key, validUntilTs: Math.min(validUntil, now + MAX_KEY_VALIDITY_MS), expiredTs: null, fetchedTs: now });
    }
    const old = doc.old_verify_keys;
    if (typeof old === 'object' && old !== null && !Array.isArray(old)) {
      for (const [keyId, entry] of Object.entries(old)) {
        if (!keyId.startsWith('ed25519:') || typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
        if (typeof entry.key !== 'string' || typeof entry.expired_ts !== 'number') continue;
        keys.push({ serverName, keyId, verifyKey: entry.key, validUntilTs: entry.expired_ts, expiredTs: entry.expired_ts, fetchedTs: now });
      }
    }
    return keys;
  }
}
