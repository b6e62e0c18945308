/**
 * The relay service's configuration (`npm run server -- relay --config FILE`): its own server name and data
 * directory, one public listener, how it reaches other servers, the tenants it serves and its abuse limits.
 * Read from YAML like the homeserver's (snake_case; unknown or invalid fields are refused, naming the field).
 */
import { isValidServerName } from '../events/identifiers.ts';
import { ConfigReader } from './configReader.ts';
import { readYamlConfigFile, resolveMapFrom, tlsListenerFrom } from './configLoader.ts';
import type { FederationListenerConfig, LogLevelName } from './homeserverConfig.ts';

export interface RelayTenantConfig {
  readonly server_name: string;
  /** The tenant's credential for its tunnel (`relay.secret` in the tenant's own config). */
  readonly secret: string;
}

export interface RelayLimitsConfig {
  /** Transactions one tenant's mailbox holds at most; deposits beyond get 507 M_RESOURCE_LIMIT_EXCEEDED. */
  readonly mailbox_max_entries: number;
  /** Bytes of transactions one tenant's mailbox holds at most; likewise 507 beyond. */
  readonly mailbox_max_bytes: number;
  /** Deposits (`send_relay`, and `/send` while a tenant is offline) each origin server may make per second... */
  readonly origin_deposits_per_second: number;
  /** ...and at once; beyond, 429 M_LIMIT_EXCEEDED with `retry_after_ms`. */
  readonly origin_deposit_burst: number;
  /** Largest request body accepted (413 M_TOO_LARGE above). */
  readonly max_request_body_bytes: number;
  /** Requests forwarded through one tenant's tunnel at the same time; beyond, 503 M_UNAVAILABLE. */
  readonly tunnel_max_in_flight: number;
}

export interface RelayFederationConfig {
  /** Static server name -> base URL map (tests, LAN). Beats discovery. */
  readonly resolve: Readonly<Record<string, string>>;
  readonly allow_insecure_http: boolean;
  readonly verify_certificates: boolean;
}

export interface RelayServiceConfig {
  readonly server_name: string;
  readonly data_dir: string;
  /** Where other servers and the tenants' tunnels reach the relay; TLS when both PEM files are given. */
  readonly listener: FederationListenerConfig;
  readonly federation: RelayFederationConfig;
  readonly tenants: readonly RelayTenantConfig[];
  readonly limits: RelayLimitsConfig;
  readonly log_level: LogLevelName;
}

export const DEFAULT_RELAY_LIMITS: RelayLimitsConfig = {
  mailbox_max_entries: 10_000,
  mailbox_max_bytes: 256 * 1024 * 1024,
  origin_deposits_per_second: 20,
  origin_deposit_burst: 200,
  max_request_body_bytes: 4 * 1024 * 1024,
  tunnel_max_in_flight: 64,
};

/** Tunnel secrets shorter than this are refused: the secret is all that stands between a stranger and a tenant's name. */
export const MIN_TENANT_SECRET_LENGTH = 16;

export function loadRelayServiceConfig(path: string): RelayServiceConfig {
  return buildRelayServiceConfig(readYamlConfigFile(path));
}

/** Validates a parsed document; `server_name` and at least one tenant are required. */
export function buildRelayServiceConfig(raw: unknown): RelayServiceConfig {
  const r = ConfigReader.root(raw);
  r.onlyKeys(['server_name', 'data_dir', 'listener', 'federation', 'tenants', 'limits', 'log_level']);
  if (!r.has('server_name')) r.fail('server_name', 'is required for the relay service');
  const serverName = r.string('server_name', '', serverNameProblem);
  const listener = r.section('listener');
  const federation = r.section('federation');
  federation?.onlyKeys(['resolve', 'allow_insecure_http', 'verify_certificates']);
  return {
    server_name: serverName,
    data_dir: r.string('data_dir', './relay-data'),
    listener: listener ? tlsListenerFrom(listener) : { host: '127.0.0.1', port: 8448, tls_cert: null, tls_key: null },
    federation: {
      resolve: federation ? resolveMapFrom(federation) : {},
      allow_insecure_http: federation?.boolean('allow_insecure_http', false) ?? false,
      verify_certificates: federation?.boolean('verify_certificates', true) ?? true,
    },
    tenants: readTenants(r, serverName),
    limits: readLimits(r),
    log_level: r.oneOf<LogLevelName>('log_level', 'info', ['debug', 'info', 'warn', 'error']),
  };
}

function readTenants(r: ConfigReader, relayName: string): RelayTenantConfig[] {
  const sections = r.sectionList('tenants');
  if (sections.length === 0) r.fail('tenants', 'must list at least one tenant ({ server_name, secret })');
  const seen = new Set<string>();
  return sections.map((tenant) => {
    tenant.onlyKeys(['server_name', 'secret']);
    for (const key of ['server_name', 'secret']) if (!tenant.has(key)) tenant.fail(key, 'is required');
    const name = tenant.string('server_name', '', serverNameProblem);
    if (name === relayName) tenant.fail('server_name', `is the relay's own name (${relayName}); a tenant must be another server`);
    if (seen.has(name)) tenant.fail('server_name', `lists ${name} a second time`);
    seen.add(name);
    const secret = tenant.string('secret', '', (v) => (v.length >= MIN_TENANT_SECRET_LENGTH ? null : `must be at least ${MIN_TENANT_SECRET_LENGTH} characters long`));
    return { server_name: name, secret };
  });
}

function readLimits(r: ConfigReader): RelayLimitsConfig {
  const limits = r.section('limits');
  if (!limits) return DEFAULT_RELAY_LIMITS;
  limits.onlyKeys(Object.keys(DEFAULT_RELAY_LIMITS));
  const d = DEFAULT_RELAY_LIMITS;
  return {
    mailbox_max_entries: limits.integer('mailbox_max_entries', d.mailbox_max_entries, 1, 10_000_000),
    mailbox_max_bytes: limits.integer('mailbox_max_bytes', d.mailbox_max_bytes, 1024, 1024 ** 4),
    origin_deposits_per_second: limits.integer('origin_deposits_per_second', d.origin_deposits_per_second, 1, 1_000_000),
    origin_deposit_burst: limits.integer('origin_deposit_burst', d.origin_deposit_burst, 1, 1_000_000),
    max_request_body_bytes: limits.integer('max_request_body_bytes', d.max_request_body_bytes, 1024, 1024 ** 3),
    tunnel_max_in_flight: limits.integer('tunnel_max_in_flight', d.tunnel_max_in_flight, 1, 10_000),
  };
}

function serverNameProblem(value: string): string | null {
  return isValidServerName(value) ? null : `"${value}" is not a valid server name`;
}
