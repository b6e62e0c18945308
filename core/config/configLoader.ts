/**
 * Loads the YAML configuration, applies defaults and CLI overrides, and validates every field.
 * An invalid config is refused with a ConfigError naming the field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { isValidServerName } from '../events/identifiers.ts';
import { ConfigError } from './configError.ts';
import { ConfigReader } from './configReader.ts';
import { readSupport } from './supportConfig.ts';
import {
  DEFAULT_CONFIG,
  type FederationConfig,
  type FederationListenerConfig,
  type HomeserverConfig,
  type ListenerConfig,
  type LogLevelName,
  type MediaConfig,
  type PushConfig,
  type RelayConfig,
  type VoipConfig,
} from './homeserverConfig.ts';
import { isIP } from 'node:net';

/** Values given on the command line; they beat the file. */
export interface ConfigOverrides {
  readonly server_name?: string;
  readonly data_dir?: string;
  readonly host?: string;
  readonly port?: number;
}

const TOP_LEVEL_KEYS = [
  'server_name', 'data_dir', 'public_baseurl', 'client_listener', 'federation', 'relay', 'registration', 'limits',
  'instance_name', 'stream_writers', 'instance_map', 'log_level', 'media', 'push', 'voip', 'support',
] as const;

export function loadConfigFile(path: string, overrides: ConfigOverrides = {}): HomeserverConfig {
  return buildConfig(readYamlConfigFile(path), overrides);
}

/** The parsed YAML document of a config file (the homeserver's or the relay service's), unvalidated. */
export function readYamlConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('', `file ${path} cannot be read: ${(e as Error).message}`);
  }
  return parseYamlDocument(text);
}

export function parseConfig(yamlText: string, overrides: ConfigOverrides = {}): HomeserverConfig {
  return buildConfig(parseYamlDocument(yamlText), overrides);
}

function parseYamlDocument(yamlText: string): unknown {
  try {
    return parseYaml(yamlText);
  } catch (e) {
    if (e instanceof YAMLParseError) throw new ConfigError('', `is not valid YAML: ${e.message.split('\n')[0]}`);
    throw e;
  }
}

/** Validates a parsed document (or `{}` for pure defaults) and applies overrides. */
export function buildConfig(raw: unknown, overrides: ConfigOverrides = {}): HomeserverConfig {
  const r = ConfigReader.root(raw);
  r.onlyKeys(TOP_LEVEL_KEYS);

  const serverName = overrides.server_name ?? r.string('server_name', DEFAULT_CONFIG.server_name);
  if (!isValidServerName(serverName)) throw new ConfigError('server_name', `"${serverName}" is not a valid server name`);

  const client = readListener(r, 'client_listener', DEFAULT_CONFIG.client_listener);
  const clientListener: ListenerConfig = {
    host: overrides.host ?? client.host,
    port: overrides.port ?? client.port,
  };
  if (overrides.port !== undefined && (!Number.isInteger(overrides.port) || overrides.port < 0 || overrides.port > 65535)) {
    throw new ConfigError('client_listener.port', `must be an integer from 0 to 65535 (got ${overrides.port})`);
  }

  const registration = r.section('registration');
  registration?.onlyKeys(['enabled', 'token', 'refreshable_access_token_lifetime_ms']);
  const limits = r.section('limits');
  limits?.onlyKeys(['max_request_body_bytes', 'max_upload_bytes']);

  const instanceName = r.string('instance_name', DEFAULT_CONFIG.instance_name, identifierProblem);
  const writers = r.section('stream_writers');
  writers?.onlyKeys(['events']);
  const instanceMap = Object.fromEntries(r.entries('instance_map').map(([name, section]) => [name, listenerFrom(section, { host: '127.0.0.1', port: 0 }, true)]));
  const eventsWriter = writers?.string('events', 'main', identifierProblem) ?? 'main';
  if (eventsWriter !== 'main' && !(eventsWriter in instanceMap)) {
    throw new ConfigError('stream_writers.events', `names instance "${eventsWriter}", which is not the main instance and has no address in instance_map`);
  }
  if (instanceName !== eventsWriter && !(eventsWriter in instanceMap)) {
    throw new ConfigError('instance_map', `must give the address of the events writer "${eventsWriter}": instance "${instanceName}" sends its events there`);
  }

  return {
    server_name: serverName,
    data_dir: overrides.data_dir ?? r.string('data_dir', DEFAULT_CONFIG.data_dir),
    public_baseurl: r.optionalString('public_baseurl', null, urlProblem),
    client_listener: clientListener,
    federation: readFederation(r),
    relay: readRelay(r),
    registration: {
      enabled: registration?.boolean('enabled', false) ?? false,
      token: registration?.optionalString('token', null) ?? null,
      refreshable_access_token_lifetime_ms:
        registration?.integer('refreshable_access_token_lifetime_ms', DEFAULT_CONFIG.registration.refreshable_access_token_lifetime_ms, 1000, 365 * 86_400_000) ??
        DEFAULT_CONFIG.registration.refreshable_access_token_lifetime_ms,
    },
    limits: {
      max_request_body_bytes:
        limits?.integer('max_request_body_bytes', DEFAULT_CONFIG.limits.max_request_body_bytes, 1024, 1024 ** 3) ??
        DEFAULT_CONFIG.limits.max_request_body_bytes,
      max_upload_bytes: limits?.integer('max_upload_bytes', DEFAULT_CONFIG.limits.max_upload_bytes, 1024, 4 * 1024 ** 3) ?? DEFAULT_CONFIG.limits.max_upload_bytes,
    },
    media: readMedia(r),
    push: readPush(r),
    voip: readVoip(r),
    support: readSupport(r),
    instance_name: instanceName,
    stream_writers: { events: eventsWriter },
    instance_map: instanceMap,
    log_level: r.oneOf<LogLevelName>('log_level', DEFAULT_CONFIG.log_level, ['debug', 'info', 'warn', 'error']),
  };
}

function readListener(r: ConfigReader, key: string, fallback: ListenerConfig): ListenerConfig {
  const section = r.section(key);
  return section ? listenerFrom(section, fallback, false) : fallback;
}

function listenerFrom(section: ConfigReader, fallback: ListenerConfig, portRequired: boolean): ListenerConfig {
  section.onlyKeys(['host', 'port']);
  if (portRequired && !section.has('port')) section.fail('port', 'is required');
  return {
    host: section.string('host', fallback.host, hostProblem),
    port: section.integer('port', fallback.port, 0, 65535),
  };
}

function readFederation(r: ConfigReader): FederationConfig {
  const f = r.section('federation');
  if (!f) return DEFAULT_CONFIG.federation;
  f.onlyKeys(['listener', 'verify_certificates', 'resolve', 'allow_insecure_http', 'trusted_key_servers', 'peer_relays', 'paused']);
  const l = f.section('listener');
  return {
    listener: l ? tlsListenerFrom(l) : null,
    verify_certificates: f.boolean('verify_certificates', true),
    resolve: resolveMapFrom(f),
    peer_relays: f.stringMap('peer_relays', (name, relay) =>
      !isValidServerName(name) ? `key "${name}" is not a valid server name` : isValidServerName(relay) ? null : `"${relay}" is not a valid server name`,
    ),
    allow_insecure_http: f.boolean('allow_insecure_http', false),
    trusted_key_servers: f.stringList('trusted_key_servers', [], (v) => (isValidServerName(v) ? null : `"${v}" is not a valid server name`)),
    paused: f.boolean('paused', false),
  };
}

/** A listener that serves TLS when both PEM files are given (the federation listener, the relay service's). */
export function tlsListenerFrom(l: ConfigReader): FederationListenerConfig {
  l.onlyKeys(['host', 'port', 'tls_cert', 'tls_key']);
  const tlsCert = l.optionalString('tls_cert', null);
  const tlsKey = l.optionalString('tls_key', null);
  if ((tlsCert === null) !== (tlsKey === null)) l.fail(tlsCert === null ? 'tls_cert' : 'tls_key', 'must be given together with its pair (tls_cert and tls_key)');
  return { host: l.string('host', '127.0.0.1', hostProblem), port: l.integer('port', 8448, 0, 65535), tls_cert: tlsCert, tls_key: tlsKey };
}

/** The static server name -> base URL map (`resolve`) of a federation section. */
export function resolveMapFrom(f: ConfigReader): Record<string, string> {
  return f.stringMap('resolve', (name, url) => (!isValidServerName(name) ? `key "${name}" is not a valid server name` : urlProblem(url)));
}

function readRelay(r: ConfigReader): RelayConfig | null {
  const relay = r.section('relay');
  if (!relay) return null;
  relay.onlyKeys(['url', 'server_name', 'secret']);
  for (const key of ['url', 'server_name', 'secret']) if (!relay.has(key)) relay.fail(key, 'is required when relay is set');
  return {
    url: relay.string('url', '', urlProblem),
    server_name: relay.string('server_name', '', (v) => (isValidServerName(v) ? null : `"${v}" is not a valid server name`)),
    secret: relay.string('secret', ''),
  };
}

function readMedia(r: ConfigReader): MediaConfig {
  const media = r.section('media');
  if (!media) return DEFAULT_CONFIG.media;
  media.onlyKeys(['url_preview_enabled', 'url_preview_ip_allowlist']);
  return {
    url_preview_enabled: media.boolean('url_preview_enabled', false),
    url_preview_ip_allowlist: media.stringList('url_preview_ip_allowlist', [], cidrProblem),
  };
}

function readPush(r: ConfigReader): PushConfig {
  const push = r.section('push');
  if (!push) return DEFAULT_CONFIG.push;
  push.onlyKeys(['gateway_hosts']);
  return { gateway_hosts: push.stringList('gateway_hosts', [], (v) => (/^[A-Za-z0-9.:[\]-]{1,255}$/.test(v) ? null : `"${v}" is not a host name`)) };
}

function readVoip(r: ConfigReader): VoipConfig | null {
  const voip = r.section('voip');
  if (!voip) return null;
  voip.onlyKeys(['turn_uris', 'turn_shared_secret', 'turn_username', 'turn_password', 'ttl']);
  const turnUris = voip.stringList('turn_uris', [], (v) => (/^turns?:/.test(v) || /^stun:/.test(v) ? null : `"${v}" is not a turn:, turns: or stun: URI`));
  if (turnUris.length === 0) voip.fail('turn_uris', 'must list at least one URI when voip is set');
  const secret = voip.optionalString('turn_shared_secret', null);
  const username = voip.optionalString('turn_username', null);
  const password = voip.optionalString('turn_password', null);
  if (secret === null && (username === null || password === null)) voip.fail('turn_shared_secret', 'or both turn_username and turn_password must be given');
  if (secret !== null && (username !== null || password !== null)) voip.fail('turn_shared_secret', 'cannot be combined with turn_username / turn_password');
  return { turn_uris: turnUris, turn_shared_secret: secret, turn_username: username, turn_password: password, ttl: voip.integer('ttl', 86_400, 60, 30 * 86_400) };
}

/** An IPv4 or IPv6 address with an optional prefix length (`127.0.0.1/32`, `::1`). */
function cidrProblem(value: string): string | null {
  const [address, prefix, extra] = value.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || extra !== undefined) return `"${value}" is not an IP address or CIDR range`;
  if (prefix !== undefined && (!/^\d+$/.test(prefix) || Number(prefix) > (version === 4 ? 32 : 128))) return `"${value}" has a bad prefix length`;
  return null;
}

function urlProblem(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : `must be an http(s) URL (got "${value}")`;
  } catch {
    return `must be a URL (got "${value}")`;
  }
}

function hostProblem(value: string): string | null {
  return /^[A-Za-z0-9.:\-[\]]+$/.test(value) ? null : `"${value}" is not a host name or IP address`;
}

function identifierProblem(value: string): string | null {
  return /^[A-Za-z0-9_-]+$/.test(value) ? null : `"${value}" may only contain letters, digits, _ and -`;
}
