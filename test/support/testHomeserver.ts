/** Starts a real homeserver on a loopback port picked at run time, on a temporary data directory. */
import type { TestContext } from 'node:test';
import { buildConfig } from '../../core/config/configLoader.ts';
import { Homeserver } from '../../core/homeserver.ts';
import { Logger } from '../../core/logging/logger.ts';
import { tempDir } from './tempDir.ts';
import { registerLocalUser } from '../../core/handlers/accounts/localUserRegistration.ts';

/** Cheap scrypt parameters: tests create many accounts. */
export const TEST_PASSWORD_COST = { log2N: 10, r: 8, p: 1 };

export interface RunningHomeserver {
  readonly homeserver: Homeserver;
  readonly baseUrl: string;
}

export async function startTestHomeserver(
  t: TestContext,
  configOverrides: Record<string, unknown> = {},
): Promise<RunningHomeserver> {
  const dataDir = tempDir(t);
  const config = buildConfig({ server_name: 'hs.test', log_level: 'error', ...configOverrides }, { data_dir: dataDir, host: '127.0.0.1', port: 0 });
  const homeserver = Homeserver.open({
    config,
    log: new Logger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error'),
    passwordCost: TEST_PASSWORD_COST,
  });
  const address = await homeserver.listen();
  t.after(() => homeserver.stop());
  return { homeserver, baseUrl: `http://127.0.0.1:${address.port}` };
}

/** Creates a local account directly in storage (as `register-user` does). */
export async function createUser(running: RunningHomeserver, localpart: string, password = 'password', admin = false): Promise<string> {
  return registerLocalUser(
    { serverName: running.homeserver.serverName, users: running.homeserver.storage.stores.users, passwordCost: TEST_PASSWORD_COST },
    { localpart, password, admin },
  );
}

export interface LoggedInUser {
  readonly userId: string;
  readonly accessToken: string;
  readonly deviceId: string;
}

/** Creates an account (a server admin when `admin`) and logs it in over HTTP. */
export async function createLoggedInUser(running: RunningHomeserver, localpart: string, password = 'password', admin = false): Promise<LoggedInUser> {
  const userId = await createUser(running, localpart, password, admin);
  const response = await fetch(`${running.baseUrl}/_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password }),
  });
  const body = (await response.json()) as { access_token: string; device_id: string; user_id: string };
  if (!response.ok) throw new Error(`login failed: ${JSON.stringify(body)}`);
  return { userId, accessToken: body.access_token, deviceId: body.device_id };
}
