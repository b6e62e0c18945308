/**
 * This server's published key document (`GET /_matrix/key/v2/server`): its verify keys, the time until which
 * they may be trusted, and a self-signature. Re-signed when half the validity period has passed, so a fetched
 * copy is always valid for a good while.
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { signJson } from '../crypto/jsonSigning.ts';
import type { SigningKey } from '../crypto/signingKey.ts';

export interface OldVerifyKey {
  readonly keyId: string;
  readonly publicKeyBase64: string;
  readonly expiredTs: number;
}

export interface ServerKeyDocumentOptions {
  readonly serverName: string;
  readonly signingKey: SigningKey;
  readonly oldVerifyKeys?: readonly OldVerifyKey[];
  /** How long others may cache our key; Synapse's default is one day. */
  readonly validityMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_KEY_VALIDITY_MS = 24 * 60 * 60 * 1000;

export class ServerKeyDocument {
  private cached: { document: JsonObject; signedAt: number } | null = null;
  private readonly validityMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ServerKeyDocumentOptions) {
    this.validityMs = options.validityMs ?? DEFAULT_KEY_VALIDITY_MS;
    this.now = options.now ?? Date.now;
  }

  current(): JsonObject {
    const now = this.now();
    if (!this.cached || now - this.cached.signedAt > this.validityMs / 2) {
      this.cached = { document: this.sign(now), signedAt: now };
    }
    return this.cached.document;
  }

  private sign(now: number): JsonObject {
    const { serverName, signingKey } = this.options;
    const oldVerifyKeys: JsonObject = {};
    for (const old of this.options.oldVerifyKeys ?? []) {
      oldVerifyKeys[old.keyId] = { key: old.publicKeyBase64, expired_ts: old.expiredTs };
    }
    const document: JsonObject = {
      server_name: serverName,
      valid_until_ts: now + this.validityMs,
      verify_keys: { [signingKey.keyId]: { key: signingKey.publicKeyBase64 } },
      old_verify_keys: oldVerifyKeys,
    };
    return signJson(document, serverName, signingKey);
  }
}
