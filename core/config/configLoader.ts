/**
 * Loads the YAML configuration, applies defaults and CLI overrides, and validates every field.
 * An invalid config is refused with a ConfigError naming the field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { isValidServerName } from '../events/identifiers.ts';
import { ConfigError } from './configError.ts';
import { ConfigReader } from './configReader.ts';
import {
  DEFAULT_CONFIG,
  type FederationConfig,
  type HomeserverConfig,
  type ListenerConfig,
  type LogLevelName,
  type RelayConfig,
} from './homeserverConfig.ts';

/** Values given on the command line; they beat the file. */
export interface ConfigOverrides {
  readonly server_name?: string;
  readonly data_dir?: string;
  readonly host?: string;
  readonly port?: number;
}

const TOP_LEVEL_KEYS = [
  'server_name', 'data_dir', 'public_baseurl', 'client_listener', 'federation', 'relay', 'registration', 'limits',
  'instance_name', 'stream_writers', 'instance_map', 'log_level',
] as const;

export function loadConfigFile(path: string, overrides: ConfigOverrides = {}): HomeserverConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('', `file ${path} cannot be read: ${(e as Error).message}`);
  }
  return parseConfig(text, overrides);
}

export function parseConfig(yamlText: string, overrides: ConfigOverrides = {}): HomeserverConfig {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (e) {
    if (e instanceof YAMLParseError) throw new ConfigError('', `is not valid YAML: ${e.message.split('\n')[0]}`);
    throw e;
  }
  return buildConfig(raw, overrides);
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
  registration?.onlyKeys(['enabled', 'token']);
  const limits = r.section('limits');
  limits?.onlyKeys(['max_request_body_bytes']);

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
    },
    limits: {
      max_request_body_bytes:
        limits?.integer('max_request_body_bytes', DEFAULT_CONFIG.limits.max_request_body_bytes, 1024, 1024 ** 3) ??
        DEFAULT_CONFIG.limits.max_request_body_bytes,
    },
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
  f.onlyKeys(['listener', 'verify_certificates', 'resolve', 'allow_insecure_http']);
  const l = f.section('listener');
  let listener: FederationConfig['listener'] = null;
  if (l) {
    l.onlyKeys(['host', 'port', 'tls_cert', 'tls_key']);
    const tlsCert = l.optionalString('tls_cert', null);
    const tlsKey = l.optionalString('tls_key', null);
    if ((tlsCert === null) !== (tlsKey === null)) l.fail(tlsCert === null ? 'tls_cert' : 'tls_key', 'must be given together with its pair (tls_cert and tls_key)');
    listener = { host: l.string('host', '127.0.0.1', hostProblem), port: l.integer('port', 8448, 0, 65535), tls_cert: tlsCert, tls_key: tlsKey };
  }
  return {
    listener,
    verify_certificates: f.boolean('verify_certificates', true),
    resolve: f.stringMap('resolve', (name, url) =>
      !isValidServerName(name) ? `key "${name}" is not a valid server name` : urlProblem(url),
    ),
    allow_insecure_http: f.boolean('allow_insecure_http', false),
  };
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
