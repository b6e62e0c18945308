/** Starts a real homeserver on a loopback port picked at run time, on a temporary data directory. */
import type { TestContext } from 'node:test';
import { buildConfig } from '../../core/config/configLoader.ts';
import { Homeserver } from '../../core/homeserver.ts';
import { Logger } from '../../core/logging/logger.ts';
import { tempDir } from './tempDir.ts';

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
  const homeserver = Homeserver.open({ config, log: new Logger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error') });
  const address = await homeserver.listen();
  t.after(() => homeserver.stop());
  return { homeserver, baseUrl: `http://127.0.0.1:${address.port}` };
}
