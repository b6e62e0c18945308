/**
 * Where /keys/query and /keys/claim get remote users' keys from: the federation client, once there is one.
 * Without it (or when it fails), each remote server is reported under `failures`, as the spec asks for
 * servers that could not be reached, and local results are answered as usual.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';

export interface RemoteKeys {
  /** `POST /_matrix/federation/v1/user/keys/query` to `destination`. */
  queryKeys(destination: string, deviceKeys: Readonly<Record<string, readonly string[]>>, timeoutMs: number): Promise<JsonObject>;
  /** `POST /_matrix/federation/v1/user/keys/claim` to `destination`. */
  claimKeys(destination: string, oneTimeKeys: Readonly<Record<string, Readonly<Record<string, string>>>>, timeoutMs: number): Promise<JsonObject>;
}

/** A remote user's keys as the device-list cache holds them. */
export interface CachedUserKeys {
  /** Device ID → device keys (only those asked for, or all). */
  readonly deviceKeys: Record<string, JsonObject>;
  readonly masterKey: JsonObject | null;
  readonly selfSigningKey: JsonObject | null;
}

/**
 * What federation knows of remote users' keys without asking (their device lists, kept current by
 * `m.device_list_update` and `m.signing_key_update` EDUs while they share a room with one of our users).
 */
export interface RemoteKeyCache {
  /** The user's keys when the cached list is current, or null: ask their server. */
  cachedKeys(userId: string, deviceIds: readonly string[]): CachedUserKeys | null;
  /** Cross-signing keys of the user as their server just answered a query (kept while the user is tracked). */
  rememberCrossSigningKeys(userId: string, master: JsonObject | undefined, selfSigning: JsonObject | undefined): void;
}

/** The `failures` entry of a server whose users' keys could not be fetched. */
export interface RemoteFailure {
  readonly status: number;
  readonly message: string;
  [key: string]: string | number;
}

export const FEDERATION_UNAVAILABLE: RemoteFailure = {
  status: 503,
  message: 'Federation is not available on this server yet: keys of remote users cannot be fetched',
};

export function failureOf(error: unknown): RemoteFailure {
  return { status: 503, message: error instanceof Error ? error.message : String(error) };
}

/** The spec's recommended wait for remote servers, and the most a client may ask for. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 10_000;
export const MAX_REMOTE_TIMEOUT_MS = 60_000;
