/** A homeserver with its desktop admin API, and a typed caller of the API for tests (real HTTP). */
import type { TestContext } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../../core/config/configLoader.ts';
import { Homeserver } from '../../../core/homeserver.ts';
import { Logger } from '../../../core/logging/logger.ts';
import type { AdminApiOptions } from '../../../core/http/admin/adminApi.ts';
import type { AdminEndpoints } from '../../../core/http/admin/adminApiTypes.ts';
import { tempDir } from '../../support/tempDir.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { TEST_PASSWORD_COST, type RunningHomeserver } from '../../support/testHomeserver.ts';

export interface AdminTestServer extends RunningHomeserver {
  readonly token: string;
  readonly configFile: string;
  readonly dataDir: string;
  /** Stops the server (once, however often it is called). */
  stop(): Promise<void>;
  /** Stops the server and opens it again from its config file and data directory (a new token, maybe a new port). */
  restart(): Promise<AdminTestServer>;
}

/**
 * Starts a server from a real config file (so settings can be saved, and what they save is what a restart runs
 * with), on a free loopback port unless `yaml` names its own client_listener.
 */
export async function startAdminTestServer(t: TestContext, admin: Omit<AdminApiOptions, 'configFile'> = {}, yaml = ''): Promise<AdminTestServer> {
  const dir = tempDir(t, 'hs-admin-');
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'homeserver.yaml');
  const listener = /^client_listener:/m.test(yaml) ? '' : 'client_listener: { host: 127.0.0.1, port: 0 }\n';
  writeFileSync(configFile, `# test config\nserver_name: hs.test\n${listener}log_level: error\n${yaml}`);
  return openAdminTestServer(t, admin, configFile, dataDir);
}

async function openAdminTestServer(t: TestContext, admin: Omit<AdminApiOptions, 'configFile'>, configFile: string, dataDir: string): Promise<AdminTestServer> {
  const config = loadConfigFile(configFile, { data_dir: dataDir });
  const homeserver = Homeserver.open({ config, log: new Logger('warn', { write() {} }), passwordCost: TEST_PASSWORD_COST, admin: { ...admin, configFile } });
  const address = await homeserver.listen();
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= homeserver.stop());
  t.after(stop);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    homeserver,
    baseUrl: `http://${host}:${address.port}`,
    token: homeserver.admin.token,
    configFile,
    dataDir,
    stop,
    restart: async () => {
      await stop();
      return openAdminTestServer(t, admin, configFile, dataDir);
    },
  };
}

/** GET or PUT an admin endpoint with the server's token; returns the typed body (asserting the status). */
export async function admin<E extends keyof AdminEndpoints>(
  server: AdminTestServer,
  endpoint: E,
  options: { path?: string; body?: unknown; token?: string | null; status?: number } = {},
): Promise<AdminEndpoints[E]['response']> {
  const res = await adminRaw(server, endpoint, options);
  const expected = options.status ?? 200;
  if (res.status !== expected) throw new Error(`${endpoint}: expected ${expected}, got ${res.status} ${res.text}`);
  return res.body as AdminEndpoints[E]['response'];
}

export async function adminRaw(
  server: AdminTestServer,
  endpoint: keyof AdminEndpoints,
  options: { path?: string; body?: unknown; token?: string | null } = {},
): Promise<TestResponse> {
  const [method, template] = endpoint.split(' ') as [string, string];
  const path = options.path ?? template;
  const token = options.token === undefined ? server.token : options.token;
  return request(server.baseUrl, method, `/_desktop/api${path}`, {
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(token === null ? {} : { headers: { Authorization: `Bearer ${token}` } }),
  });
}
