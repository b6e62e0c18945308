/**
 * The homeserver's config file in the app-data folder (`homeserver.yaml`), written once by the first run with
 * the chosen server name and the data directory beside it; from then on the settings page edits it.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildConfig } from '../core/config/configLoader.ts';

export const DESKTOP_CONFIG_FILE = 'homeserver.yaml';
export const DESKTOP_DATA_DIRECTORY = 'data';

export function desktopConfigPath(userDataPath: string): string {
  return join(userDataPath, DESKTOP_CONFIG_FILE);
}

export function desktopConfigExists(userDataPath: string): boolean {
  return existsSync(desktopConfigPath(userDataPath));
}

/**
 * Writes the first config: the server name, the data directory, and `initial` settings (defaults for a new
 * install; tests use them to pick a free port). Validated before it is written, like any config.
 */
export function writeInitialDesktopConfig(userDataPath: string, serverName: string, initial: Readonly<Record<string, unknown>> = {}): string {
  const raw = {
    server_name: serverName,
    data_dir: join(userDataPath, DESKTOP_DATA_DIRECTORY),
    client_listener: { host: '127.0.0.1', port: 8008 },
    registration: { enabled: false, token: null },
    ...initial,
  };
  buildConfig(raw);
  const path = desktopConfigPath(userDataPath);
  const temporary = `${path}.${process.pid}.tmp`;
  const header = '# Hearth homeserver settings. Edited by the app\'s settings page; see the README for every field.\n';
  writeFileSync(temporary, header + stringify(raw), { mode: 0o600 });
  renameSync(temporary, path);
  return path;
}
