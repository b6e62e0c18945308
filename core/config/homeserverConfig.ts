/**
 * The homeserver's configuration: the shape of the YAML file (snake_case, like Synapse's homeserver.yaml) and
 * its defaults. A config value here is always complete and validated; see configLoader.ts for how it is made.
 */
import type { SupportConfig } from './supportConfig.ts';

export interface ListenerConfig {
  readonly host: string;
  readonly port: number;
}

export interface FederationListenerConfig extends ListenerConfig {
  /** PEM files; TLS is served when both are given. */
  readonly tls_cert: string | null;
  readonly tls_key: string | null;
}

export interface FederationConfig {
  /** A public federation listener; null means federation only through the relay tunnel. */
  readonly listener: FederationListenerConfig | null;
  readonly verify_certificates: boolean;
  /** Static server name -> base URL map (tests, LAN). Beats discovery. */
  readonly resolve: Readonly<Record<string, string>>;
  /** Plain HTTP to resolved peers is allowed only when true. */
  readonly allow_insecure_http: boolean;
  /** Notary servers asked for a server's keys when the server itself cannot be reached (Synapse: matrix.org). */
  readonly trusted_key_servers: readonly string[];
  /**
   * Destination server name -> the server name of the relay it names in its settings. When a destination is
   * unreachable, transactions are deposited in its mailbox there (`send_relay`, core/relay/relayFallbackSender.ts).
   */
  readonly peer_relays: Readonly<Record<string, string>>;
  /**
   * Outgoing federation held (the desktop's "pause federation", saved here by the admin API so that it survives
   * a restart): transactions queue durably and nothing is sent until it is resumed.
   */
  readonly paused: boolean;
}

export interface RelayConfig {
  readonly url: string;
  readonly server_name: string;
  readonly secret: string;
}

export interface RegistrationConfig {
  readonly enabled: boolean;
  /** When set, registration requires this token (m.login.registration_token). */
  readonly token: string | null;
  /** Lifetime of access tokens given to clients that support refresh tokens (Synapse's default: 5 minutes). */
  readonly refreshable_access_token_lifetime_ms: number;
}

export interface LimitsConfig {
  /** Largest accepted request body for JSON APIs, in bytes (413 M_TOO_LARGE above it). */
  readonly max_request_body_bytes: number;
  /** Largest media upload, in bytes (413 M_TOO_LARGE above it). */
  readonly max_upload_bytes: number;
}

export interface MediaConfig {
  /** `/preview_url` fetches pages only when enabled. */
  readonly url_preview_enabled: boolean;
  /** CIDR ranges previews may reach although private or loopback (never needed outside tests or a LAN). */
  readonly url_preview_ip_allowlist: readonly string[];
}

/** Sending notifications to the push gateways of clients' `http` pushers. */
export interface PushConfig {
  /** Host names of the gateways notifications may be sent to; a pusher whose URL names another is kept, unused. */
  readonly gateway_hosts: readonly string[];
}

/** TURN servers handed to clients by `/voip/turnServer`; a shared secret (coturn's REST API) or fixed credentials. */
export interface VoipConfig {
  readonly turn_uris: readonly string[];
  readonly turn_shared_secret: string | null;
  readonly turn_username: string | null;
  readonly turn_password: string | null;
  /** Lifetime of the credentials, in seconds. */
  readonly ttl: number;
}

export interface HomeserverConfig {
  readonly server_name: string;
  readonly data_dir: string;
  /** The URL clients use; defaults to the client listener's address. */
  readonly public_baseurl: string | null;
  readonly client_listener: ListenerConfig;
  readonly federation: FederationConfig;
  readonly relay: RelayConfig | null;
  readonly registration: RegistrationConfig;
  readonly limits: LimitsConfig;
  readonly media: MediaConfig;
  readonly push: PushConfig;
  /** Null: no TURN server (the endpoint answers 404 M_NOT_FOUND). */
  readonly voip: VoipConfig | null;
  /** Null: `/.well-known/matrix/support` answers 404. */
  readonly support: SupportConfig | null;
  /** This process's instance name; the single desktop process is `main`. */
  readonly instance_name: string;
  /** Which instance writes each stream (SEED-BEHAVIOURS.md §2). */
  readonly stream_writers: { readonly events: string };
  /** Addresses of other instances, for replication. */
  readonly instance_map: Readonly<Record<string, ListenerConfig>>;
  readonly log_level: LogLevelName;
}

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

export const DEFAULT_CONFIG: HomeserverConfig = {
  server_name: 'localhost',
  data_dir: './data',
  public_baseurl: null,
  client_listener: { host: '127.0.0.1', port: 8008 },
  federation: { listener: null, verify_certificates: true, resolve: {}, allow_insecure_http: false, trusted_key_servers: [], peer_relays: {}, paused: false },
  relay: null,
  registration: { enabled: false, token: null, refreshable_access_token_lifetime_ms: 5 * 60_000 },
  limits: { max_request_body_bytes: 1024 * 1024, max_upload_bytes: 50 * 1024 * 1024 },
  media: { url_preview_enabled: false, url_preview_ip_allowlist: [] },
  push: { gateway_hosts: [] },
  voip: null,
  support: null,
  instance_name: 'main',
  stream_writers: { events: 'main' },
  instance_map: {},
  log_level: 'info',
};

/** The base URL clients reach this server at. */
export function clientBaseUrl(config: HomeserverConfig): string {
  if (config.public_baseurl) return config.public_baseurl.replace(/\/+$/, '');
  const { host, port } = config.client_listener;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${port}`;
}
