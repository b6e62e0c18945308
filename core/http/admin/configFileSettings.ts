/**
 * The settings page's model: a few fields of the YAML config file (and the desktop's start-at-login), read,
 * validated and saved. Validation is the config loader's own (`buildConfig`), run once per changed field so
 * that every bad field gets its own message, then on the whole result; nothing is written unless everything
 * is valid. The file is edited as a YAML document, so comments and other settings survive, and replaced
 * atomically (it holds the relay secret: owner-only permissions). The running server keeps its configuration:
 * changes of config-file settings take effect at the next start, and the response says which ones wait.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isMap, parseDocument, type Document } from 'yaml';
import { buildConfig } from '../../config/configLoader.ts';
import { ConfigError } from '../../config/configError.ts';
import type { HomeserverConfig } from '../../config/homeserverConfig.ts';
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import type { DesktopIntegration } from './desktopIntegration.ts';
import type { SettingInfo, SettingName, SettingsResponse, SettingsUpdateResponse, SettingsValues } from './adminApiTypes.ts';

export interface ConfigFileSettingsOptions {
  /** The configuration the server runs with. */
  readonly running: HomeserverConfig;
  /** The server name pinned in the data directory. */
  readonly serverName: string;
  /** The YAML file to save to; null when the server was started without one. */
  readonly configFile: string | null;
  readonly desktop: DesktopIntegration | null;
}

/** Settings kept in the config file, and where. */
const CONFIG_PATHS: Readonly<Record<Exclude<SettingName, 'start_at_login'>, readonly string[]>> = {
  port: ['client_listener', 'port'],
  bind_address: ['client_listener', 'host'],
  server_name: ['server_name'],
  relay_url: ['relay', 'url'],
  relay_server_name: ['relay', 'server_name'],
  relay_secret: ['relay', 'secret'],
  registration_enabled: ['registration', 'enabled'],
  registration_token: ['registration', 'token'],
};

const SETTING_NAMES = [...Object.keys(CONFIG_PATHS), 'start_at_login'] as SettingName[];
/** Settings that may not be null. */
const REQUIRED: ReadonlySet<SettingName> = new Set(['port', 'bind_address', 'server_name', 'registration_enabled', 'start_at_login']);

type RawConfig = Record<string, unknown>;

export class ConfigFileSettings {
  constructor(private readonly options: ConfigFileSettingsOptions) {}

  view(): SettingsResponse {
    const saved = this.savedConfig();
    return {
      values: this.values(saved),
      fields: this.fieldInfo(),
      config_file: this.options.configFile,
      pending_restart: this.pendingRestart(saved),
    };
  }

  update(body: JsonObject): SettingsUpdateResponse {
    const errors: Record<string, string> = {};
    for (const key of Object.keys(body)) if (!(SETTING_NAMES as string[]).includes(key)) errors[key] = `is not a setting (settings: ${SETTING_NAMES.join(', ')})`;
    for (const name of SETTING_NAMES) if (name in body && body[name] === null && REQUIRED.has(name)) errors[name] = 'must have a value';
    if ('start_at_login' in body && typeof body.start_at_login !== 'boolean') errors.start_at_login ??= 'must be true or false';
    if ('start_at_login' in body && !this.options.desktop) errors.start_at_login = 'is only available in the desktop app';
    if ('server_name' in body && body.server_name !== this.options.serverName) {
      errors.server_name = `is fixed at first start ("${this.options.serverName}"): every user ID, room ID and signature depends on it`;
    }
    const configChanges = Object.keys(CONFIG_PATHS).filter((name) => name in body && name !== 'server_name') as Exclude<SettingName, 'start_at_login' | 'server_name'>[];
    if (configChanges.length > 0 && this.options.configFile === null) {
      for (const name of configChanges) errors[name] ??= 'cannot be saved: the server was started without a config file (serve --config FILE)';
    }
    if (Object.keys(errors).length > 0) throw invalid(errors);

    const document = this.readDocument();
    const before = this.savedConfig();
    const base = (document.toJS() ?? {}) as RawConfig;
    // Each field alone first, so that every bad field is named; then all of them together.
    for (const name of configChanges) {
      const problem = validationProblem(withRelayPlaceholders(applyChanges(structuredClone(base), body, [name])));
      if (problem) errors[problem.setting ?? name] ??= problem.message;
    }
    const combined = applyChanges(structuredClone(base), body, configChanges);
    // A relay needs its URL, name and secret together: name every one that is missing at once.
    for (const [name, problem] of Object.entries(missingRelayFields(combined))) errors[name] ??= problem;
    if (Object.keys(errors).length === 0) {
      const problem = validationProblem(combined);
      if (problem) errors[problem.setting ?? configChanges[0] ?? 'settings'] = problem.message;
    }
    if (Object.keys(errors).length > 0) throw invalid(errors);

    const changed = new Set<SettingName>();
    if (configChanges.length > 0) {
      const after = buildConfig(combined);
      for (const name of configChanges) if (settingValue(before, name) !== settingValue(after, name)) changed.add(name);
      if (changed.size > 0) this.save(editDocument(document, body, configChanges));
    }
    if (typeof body.start_at_login === 'boolean' && body.start_at_login !== this.options.desktop!.startAtLogin()) {
      this.options.desktop!.setStartAtLogin(body.start_at_login);
      changed.add('start_at_login');
    }
    return {
      settings: this.view(),
      applied: [...changed].filter((name) => !this.fieldInfo()[name].restart_required),
      restart_required: [...changed].filter((name) => this.fieldInfo()[name].restart_required),
    };
  }

  /**
   * Saves "pause federation" (`federation.paused`), which applies at once rather than at the next start; false
   * when there is no config file to save it to.
   */
  saveFederationPaused(paused: boolean): boolean {
    if (this.options.configFile === null) return false;
    const document = this.readDocument();
    if (((document.toJS() ?? {}) as { federation?: { paused?: unknown } }).federation?.paused === paused) return true;
    setInDocument(document, ['federation', 'paused'], paused);
    this.save(document);
    return true;
  }

  private values(saved: HomeserverConfig): SettingsValues {
    return {
      port: saved.client_listener.port,
      bind_address: saved.client_listener.host,
      server_name: this.options.serverName,
      relay_url: saved.relay?.url ?? null,
      relay_server_name: saved.relay?.server_name ?? null,
      relay_secret_set: saved.relay !== null,
      start_at_login: this.options.desktop?.startAtLogin() ?? false,
      registration_enabled: saved.registration.enabled,
      registration_token: saved.registration.token,
    };
  }

  private fieldInfo(): Record<SettingName, SettingInfo> {
    const noFile = this.options.configFile === null ? 'The server was started without a config file (serve --config FILE), so this cannot be saved.' : null;
    const saved = (note: string | null): SettingInfo => ({ editable: noFile === null, restart_required: true, note: noFile ?? note });
    return {
      port: saved('The server and this page move to the new port when the server restarts.'),
      bind_address: saved(
        '127.0.0.1 keeps the server on this machine; 0.0.0.0 or one of its network addresses opens it to the network. This page still answers only this machine (on one network address, the server also listens on 127.0.0.1 for it).',
      ),
      server_name: { editable: false, restart_required: false, note: 'Fixed at first start: every user ID, room ID and signature depends on it.' },
      relay_url: saved('Federation goes through this relay; remove the URL to stop using a relay.'),
      relay_server_name: saved(null),
      relay_secret: saved('Stored in the config file, never shown again.'),
      start_at_login: this.options.desktop
        ? { editable: true, restart_required: false, note: null }
        : { editable: false, restart_required: false, note: 'Only available in the desktop app.' },
      registration_enabled: saved('Lets other people create accounts on this server.'),
      registration_token: saved('When set, registering needs this token.'),
    };
  }

  private pendingRestart(saved: HomeserverConfig): SettingName[] {
    return (Object.keys(CONFIG_PATHS) as Exclude<SettingName, 'start_at_login'>[]).filter(
      (name) => name !== 'server_name' && settingValue(saved, name) !== settingValue(this.options.running, name),
    );
  }

  /** The config as saved in the file (the running config when there is no file). */
  private savedConfig(): HomeserverConfig {
    if (this.options.configFile === null) return this.options.running;
    try {
      return buildConfig(this.readDocument().toJS() ?? {});
    } catch (e) {
      // Edited by hand into something invalid: show what runs, and let a save through the page repair it.
      if (e instanceof ConfigError) return this.options.running;
      throw e;
    }
  }

  private readDocument(): Document {
    const path = this.options.configFile;
    const text = path !== null && existsSync(path) ? readFileSync(path, 'utf8') : '';
    const document = parseDocument(text);
    if (document.errors.length > 0) throw new MatrixError(500, 'M_UNKNOWN', `The config file ${path} is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
    return document;
  }

  private save(document: Document): void {
    const path = this.options.configFile!;
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, String(document), { mode: 0o600 });
    renameSync(temporary, path);
  }
}

/** The raw config with the given settings of `body` applied (null removes; relay_url null removes the relay). */
function applyChanges(raw: RawConfig, body: JsonObject, names: readonly string[]): RawConfig {
  for (const name of names) {
    const path = CONFIG_PATHS[name as keyof typeof CONFIG_PATHS];
    const value = body[name];
    if (name === 'relay_url' && value === null) {
      delete raw.relay;
      continue;
    }
    if (path[0] === 'relay' && value === null) continue;
    let section = raw;
    for (const key of path.slice(0, -1)) {
      const next = section[key];
      section = section[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as RawConfig) : {};
    }
    if (value === null) delete section[path.at(-1)!];
    else section[path.at(-1)!] = value;
  }
  return raw;
}

function editDocument(document: Document, body: JsonObject, names: readonly string[]): Document {
  for (const name of names) {
    const path = CONFIG_PATHS[name as keyof typeof CONFIG_PATHS];
    const value = body[name];
    if (name === 'relay_url' && value === null) {
      document.delete('relay');
      continue;
    }
    if (path[0] === 'relay' && value === null) continue;
    if (value === null) document.deleteIn(path);
    else setInDocument(document, path, value);
  }
  return document;
}

function setInDocument(document: Document, path: readonly string[], value: unknown): void {
  // A section written as `relay: null` (or missing) must become a mapping before a key can go in.
  const section = path.slice(0, -1);
  if (section.length > 0 && !isMap(document.getIn(section, true))) document.setIn(section, document.createNode({}));
  document.setIn(path, value);
}

/** Fills the relay keys a single-field check lacks, so that the field's own problem shows (not "x is required"). */
function withRelayPlaceholders(raw: RawConfig): RawConfig {
  const relay = raw.relay;
  if (typeof relay === 'object' && relay !== null && !Array.isArray(relay)) {
    raw.relay = { url: 'https://relay.invalid', server_name: 'relay.invalid', secret: 'placeholder', ...(relay as RawConfig) };
  }
  return raw;
}

/** The relay settings a relay section lacks (none when there is no relay section). */
function missingRelayFields(raw: RawConfig): Partial<Record<SettingName, string>> {
  const relay = raw.relay;
  if (typeof relay !== 'object' || relay === null || Array.isArray(relay)) return {};
  const missing: Partial<Record<SettingName, string>> = {};
  for (const name of ['relay_url', 'relay_server_name', 'relay_secret'] as const) {
    const value = (relay as RawConfig)[CONFIG_PATHS[name][1]!];
    if (value === undefined || value === null || value === '') missing[name] = 'is required when a relay is set (relay URL, server name and secret go together)';
  }
  return missing;
}

function validationProblem(raw: RawConfig): { setting: SettingName | null; message: string } | null {
  try {
    buildConfig(raw);
    return null;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { setting: settingOfField(e.field), message: e.problem };
  }
}

function settingOfField(field: string): SettingName | null {
  for (const [name, path] of Object.entries(CONFIG_PATHS)) if (path.join('.') === field) return name as SettingName;
  if (field === 'relay') return 'relay_url';
  return null;
}

function settingValue(config: HomeserverConfig, name: Exclude<SettingName, 'start_at_login'>): string | number | boolean | null {
  switch (name) {
    case 'port':
      return config.client_listener.port;
    case 'bind_address':
      return config.client_listener.host;
    case 'server_name':
      return config.server_name;
    case 'relay_url':
      return config.relay?.url ?? null;
    case 'relay_server_name':
      return config.relay?.server_name ?? null;
    case 'relay_secret':
      return config.relay?.secret ?? null;
    case 'registration_enabled':
      return config.registration.enabled;
    case 'registration_token':
      return config.registration.token;
  }
}

function invalid(errors: Record<string, string>): MatrixError {
  const [field, problem] = Object.entries(errors)[0]!;
  return new MatrixError(400, 'M_INVALID_PARAM', `${field} ${problem}`, { field_errors: errors });
}
