/** A homeserver with its desktop admin API, and a typed caller of the API for tests (real HTTP). */
import type { TestContext } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../../../core/config/configLoader.ts';
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
}

/** Starts a server from a real config file (so settings can be saved), on a free loopback port. */
export async function startAdminTestServer(t: TestContext, admin: Omit<AdminApiOptions, 'configFile'> = {}, yaml = ''): Promise<AdminTestServer> {
  const dir = tempDir(t, 'hs-admin-');
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'homeserver.yaml');
  writeFileSync(configFile, `# test config\nserver_name: hs.test\nclient_listener: { host: 127.0.0.1, port: 0 }\nlog_level: error\n${yaml}`);
  const config = buildConfig({ server_name: 'hs.test', log_level: 'error' }, { data_dir: dataDir, host: '127.0.0.1', port: 0 });
  const homeserver = Homeserver.open({ config, log: new Logger('warn', { write() {} }), passwordCost: TEST_PASSWORD_COST, admin: { ...admin, configFile } });
  const address = await homeserver.listen();
  t.after(() => homeserver.stop());
  return { homeserver, baseUrl: `http://127.0.0.1:${address.port}`, token: homeserver.admin.token, configFile, dataDir };
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
