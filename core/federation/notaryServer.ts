/**
 * This server as a notary (server-server API, "Querying Keys Through Another Server"): `POST /_matrix/key/v2/query`
 * and `GET /_matrix/key/v2/query/{serverName}` answer with other servers' key documents exactly as those servers
 * signed them, countersigned by us. Documents are fetched from their servers directly and kept in memory until
 * they expire (or until a caller needs one valid for longer than ours is); our own document comes from
 * ServerKeyDocument. A server whose document cannot be had is left out of the answer, as the spec says.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { signJson } from '../crypto/jsonSigning.ts';
import type { SigningKey } from '../crypto/signingKey.ts';
import { isValidServerName } from '../events/identifiers.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import type { Logger } from '../logging/logger.ts';
import type { KeyRing } from './keyRing.ts';
import type { ServerKeyDocument } from './serverKeyDocument.ts';

/** Most servers one query may ask about. */
export const MAX_SERVERS_PER_QUERY = 100;

export interface NotaryServerOptions {
  readonly serverName: string;
  readonly signingKey: SigningKey;
  readonly ownDocument: ServerKeyDocument;
  readonly keyRing: KeyRing;
  /** The server's own key document (unsigned `GET /_matrix/key/v2/server`). */
  readonly fetchDocument: (serverName: string) => Promise<unknown>;
  readonly log: Logger;
  readonly now?: () => number;
}

interface CachedDocument {
  readonly document: JsonObject;
  readonly validUntilTs: number;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class NotaryServer {
  private readonly documents = new Map<string, CachedDocument>();
  private readonly now: () => number;

  constructor(private readonly options: NotaryServerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `POST /_matrix/key/v2/query` with `{server_keys: {server: {keyId: {minimum_valid_until_ts}}}}`. */
  async query(body: JsonObject): Promise<{ server_keys: JsonObject[] }> {
    const serverKeys = body.server_keys;
    if (serverKeys === undefined) throw MatrixError.missingParam('Missing required parameter: server_keys');
    if (!isObject(serverKeys)) throw MatrixError.badJson('server_keys must be an object of server name to key IDs');
    const entries = Object.entries(serverKeys);
    if (entries.length > MAX_SERVERS_PER_QUERY) throw MatrixError.invalidParam(`At most ${MAX_SERVERS_PER_QUERY} servers per query`);
    const wanted: [string, number][] = [];
    for (const [serverName, keys] of entries) {
      if (!isValidServerName(serverName)) throw MatrixError.invalidParam(`${serverName} is not a server name`);
      if (!isObject(keys)) throw MatrixError.badJson(`server_keys.${serverName} must be an object of key ID to criteria`);
      let minimumValidUntil = 0;
      for (const criteria of Object.values(keys)) {
        if (!isObject(criteria)) throw MatrixError.badJson(`server_keys.${serverName} criteria must be objects`);
        const minimum = criteria.minimum_valid_until_ts;
        if (minimum !== undefined && typeof minimum !== 'number') throw MatrixError.badJson('minimum_valid_until_ts must be a number');
        minimumValidUntil = Math.max(minimumValidUntil, minimum ?? 0);
      }
      wanted.push([serverName, minimumValidUntil]);
    }
    const documents = await Promise.all(wanted.map(([serverName, minimum]) => this.documentOf(serverName, minimum)));
    return { server_keys: documents.filter((d): d is JsonObject => d !== null) };
  }

  /** `GET /_matrix/key/v2/query/{serverName}`. */
  async queryOne(serverName: string, minimumValidUntilTs: number): Promise<{ server_keys: JsonObject[] }> {
    if (!isValidServerName(serverName)) throw MatrixError.invalidParam(`${serverName} is not a server name`);
    const document = await this.documentOf(serverName, minimumValidUntilTs);
    return { server_keys: document === null ? [] : [document] };
  }

  /** The server's document countersigned by us, or null when no valid one can be had. */
  private async documentOf(serverName: string, minimumValidUntilTs: number): Promise<JsonObject | null> {
    if (serverName === this.options.serverName) return this.options.ownDocument.current();
    const cached = this.documents.get(serverName);
    const now = this.now();
    if (cached && cached.validUntilTs > now && cached.validUntilTs >= minimumValidUntilTs) return this.countersign(cached.document);
    try {
      const document = await this.options.fetchDocument(serverName);
      // The document must be the server's own, self-signed by every key it lists: the key ring's check.
      if (this.options.keyRing.checkDocument(serverName, document).length === 0) return null;
      const fetched = document as JsonObject;
      const validUntilTs = typeof fetched.valid_until_ts === 'number' ? fetched.valid_until_ts : 0;
      if (validUntilTs <= now) return null;
      const { signatures, ...unsigned } = fetched;
      // Keep only the server's own signatures: a notary vouches for what the server published, nothing else.
      const own = isObject(signatures) ? signatures[serverName] : undefined;
      const document_ = { ...unsigned, signatures: { [serverName]: own ?? {} } } as JsonObject;
      this.documents.set(serverName, { document: document_, validUntilTs });
      return this.countersign(document_);
    } catch (e) {
      this.options.log.info(`notary: fetching the keys of ${serverName} failed: ${(e as Error).message}`);
      return null;
    }
  }

  private countersign(document: JsonObject): JsonObject {
    return signJson(document, this.options.serverName, this.options.signingKey);
  }
}
