/**
 * Finding where another homeserver listens (server-server API, "Resolving server names"): a static map from the
 * config first (tests, LAN, relays), then IP literals, explicit ports, `/.well-known/matrix/server` delegation,
 * SRV records (`_matrix-fed._tcp`, then the deprecated `_matrix._tcp`), and finally port 8448. Results are cached;
 * `.well-known` answers for a day, failures for an hour.
 */
import { resolveSrv } from 'node:dns/promises';
import { parseServerName } from '../events/identifiers.ts';

export interface ResolvedServer {
  /** `https://host:port` (or `http://` for statically configured insecure peers). */
  readonly baseUrl: string;
  /** The Host header to send. */
  readonly hostHeader: string;
  /** The name the TLS certificate must be valid for (SNI). */
  readonly tlsServerName: string;
}

export interface WellKnownFetcher {
  /** The `m.server` value of `https://<hostname>/.well-known/matrix/server`, or null on any failure. */
  (hostname: string): Promise<string | null>;
}

export interface ServerResolverOptions {
  /** Static server name -> base URL map from the config. */
  readonly staticMap: Readonly<Record<string, string>>;
  readonly fetchWellKnown: WellKnownFetcher;
  readonly lookupSrv?: (name: string) => Promise<{ name: string; port: number }[]>;
  readonly now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const DEFAULT_PORT = 8448;

export class UnresolvableServerError extends Error {
  override readonly name = 'UnresolvableServerError';
}

export class ServerResolver {
  private readonly wellKnownCache = new Map<string, { value: string | null; expires: number }>();
  private readonly staticMap: Map<string, string>;
  private readonly lookupSrv: (name: string) => Promise<{ name: string; port: number }[]>;
  private readonly now: () => number;

  constructor(private readonly options: ServerResolverOptions) {
    this.staticMap = new Map(Object.entries(options.staticMap));
    this.lookupSrv = options.lookupSrv ?? ((name) => resolveSrv(name));
    this.now = options.now ?? Date.now;
  }

  /** Adds or replaces a static mapping at run time (tests, and peers learnt from the relay). */
  setStatic(serverName: string, baseUrl: string): void {
    this.staticMap.set(serverName, baseUrl);
  }

  async resolve(serverName: string): Promise<ResolvedServer> {
    const configured = this.staticMap.get(serverName);
    if (configured) {
      const url = new URL(configured);
      return { baseUrl: configured.replace(/\/+$/, ''), hostHeader: serverName, tlsServerName: url.hostname };
    }
    const parsed = parseServerName(serverName);
    if (!parsed) throw new UnresolvableServerError(`${JSON.stringify(serverName)} is not a valid server name`);
    // 1. IP literal. 2. Explicit port.
    if (parsed.kind !== 'dns' || parsed.port !== null) {
      return { baseUrl: `https://${parsed.host}:${parsed.port ?? DEFAULT_PORT}`, hostHeader: serverName, tlsServerName: stripBrackets(parsed.host) };
    }
    // 3. Delegation through .well-known.
    const delegated = await this.wellKnown(parsed.host);
    if (delegated !== null) {
      const target = parseServerName(delegated);
      if (target) {
        if (target.kind !== 'dns' || target.port !== null) {
          return { baseUrl: `https://${target.host}:${target.port ?? DEFAULT_PORT}`, hostHeader: delegated, tlsServerName: stripBrackets(target.host) };
        }
        const srv = await this.srv(target.host);
        if (srv) return { baseUrl: `https://${srv.name}:${srv.port}`, hostHeader: target.host, tlsServerName: target.host };
        return { baseUrl: `https://${target.host}:${DEFAULT_PORT}`, hostHeader: target.host, tlsServerName: target.host };
      }
    }
    // 4, 5. SRV records. 6. Port 8448.
    const srv = await this.srv(parsed.host);
    if (srv) return { baseUrl: `https://${srv.name}:${srv.port}`, hostHeader: parsed.host, tlsServerName: parsed.host };
    return { baseUrl: `https://${parsed.host}:${DEFAULT_PORT}`, hostHeader: parsed.host, tlsServerName: parsed.host };
  }

  private async wellKnown(hostname: string): Promise<string | null> {
    const cached = this.wellKnownCache.get(hostname);
    if (cached && cached.expires > this.now()) return cached.value;
    let value: string | null = null;
    try {
      value = await this.options.fetchWellKnown(hostname);
    } catch {
      value = null;
    }
    this.wellKnownCache.set(hostname, { value, expires: this.now() + (value === null ? HOUR_MS : DAY_MS) });
    return value;
  }

  private async srv(hostname: string): Promise<{ name: string; port: number } | null> {
    for (const service of ['_matrix-fed._tcp', '_matrix._tcp']) {
      try {
        const records = await this.lookupSrv(`${service}.${hostname}`);
        const best = [...records].sort((a, b) => ((a as { priority?: number }).priority ?? 0) - ((b as { priority?: number }).priority ?? 0))[0];
        if (best) return { name: best.name, port: best.port };
      } catch {
        // No such record: try the next form.
      }
    }
    return null;
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
