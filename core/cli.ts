/**
 * The command line: `npm run server -- <command>`.
 *   serve [--config FILE] [--data-dir DIR] [--server-name NAME] [--host H] [--port P] [--admin-token-file FILE]
 *   register-user --data-dir DIR --user NAME --password PW [--admin] [--config FILE] [--server-name NAME]
 *   relay --config FILE
 * Exit codes: 0 ok, 1 failure (message on stderr), 2 usage error.
 */
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { loadConfigFile, buildConfig, type ConfigOverrides } from './config/configLoader.ts';
import { ConfigError } from './config/configError.ts';
import type { HomeserverConfig } from './config/homeserverConfig.ts';
import { Homeserver } from './homeserver.ts';
import { openDataDirectory, DataDirectoryError } from './storage/dataDirectory.ts';
import { MigrationError } from './storage/engine/migrations.ts';
import { UsersStore } from './storage/databases/main/usersStore.ts';
import { registerLocalUser } from './handlers/accounts/localUserRegistration.ts';
import { MatrixError } from './handlers/matrixError.ts';
import { writeAdminTokenFile } from './http/admin/adminToken.ts';
import { loopbackUrlHost } from './http/admin/loopbackAddress.ts';
import { loadRelayServiceConfig } from './config/relayServiceConfig.ts';
import { RelayService } from './relay/relayService.ts';
import type { Logger } from './logging/logger.ts';

const USAGE = `usage: npm run server -- <command> [options]

commands:
  serve          [--config FILE] [--data-dir DIR] [--server-name NAME] [--host H] [--port P]
                 [--admin-token-file FILE]  (writes this launch's desktop admin token, for the UI at /_desktop/)
  register-user  --data-dir DIR --user NAME --password PW [--admin] [--config FILE] [--server-name NAME]
  relay          --config FILE  (the relay service: mailboxes and live tunnels for its tenants)
`;

class UsageError extends Error {}

function configFrom(values: { config?: string; 'data-dir'?: string; 'server-name'?: string; host?: string; port?: string }): HomeserverConfig {
  const overrides: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = {};
  if (values['data-dir'] !== undefined) overrides.data_dir = values['data-dir'];
  if (values['server-name'] !== undefined) overrides.server_name = values['server-name'];
  if (values.host !== undefined) overrides.host = values.host;
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port)) throw new ConfigError('client_listener.port', `must be an integer from 0 to 65535 (got "${values.port}")`);
    overrides.port = Number(values.port);
  }
  return values.config ? loadConfigFile(values.config, overrides) : buildConfig({}, overrides);
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      'server-name': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'admin-token-file': { type: 'string' },
    },
    strict: true,
  });
  const config = configFrom(values);
  // Settings edited in the desktop UI are saved to the config file this server was started with.
  const homeserver = Homeserver.open({ config, admin: { configFile: values.config ?? null } });
  const address = await homeserver.listen();
  if (values['admin-token-file']) {
    writeAdminTokenFile(values['admin-token-file'], homeserver.admin.token);
    const ui = homeserver.adminListenerAddress ?? address;
    homeserver.log.info(`desktop UI: http://${loopbackUrlHost(ui)}:${ui.port}/_desktop/#token=<the token in ${values['admin-token-file']}>`);
  }
  // Handlers first: whoever reads the line may signal at once, and an unhandled SIGINT kills the process uncleanly.
  stopOnSignals(homeserver);
  process.stdout.write(`listening on ${clientUrlOf(address)}\n`);
}

/** `relay --config FILE`: the relay service, until a signal. */
async function relay(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } }, strict: true });
  if (!values.config) throw new UsageError('relay needs --config FILE');
  const service = RelayService.open({ config: loadRelayServiceConfig(values.config) });
  const address = await service.listen();
  const tls = service.config.listener.tls_cert !== null;
  stopOnSignals(service);
  process.stdout.write(`listening on ${clientUrlOf(address, tls ? 'https' : 'http')}\n`);
}

/** Stops cleanly on SIGTERM or SIGINT, then exits (1 if stopping failed). */
function stopOnSignals(server: { readonly log: Logger; stop(): Promise<void> }): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info(`${signal} received; stopping`);
    server.stop().then(
      () => process.exit(0),
      (e) => {
        server.log.error('error while stopping', e);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function clientUrlOf(address: AddressInfo, scheme: 'http' | 'https' = 'http'): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

async function registerUser(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      'server-name': { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      admin: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.user) throw new UsageError('register-user needs --user NAME');
  if (values.password === undefined) throw new UsageError('register-user needs --password PW');
  if (!values['data-dir'] && !values.config) throw new UsageError('register-user needs --data-dir DIR (or --config FILE)');
  const config = configFrom(values);
  // Without an explicit name, use the one the data directory was created with.
  const explicitName = values['server-name'] ?? (values.config ? config.server_name : null);
  const dataDirectory = openDataDirectory(config.data_dir, { serverName: explicitName, fallbackServerName: config.server_name });
  try {
    const localpart = values.user.replace(/^@/, '').split(':')[0]!;
    const userId = await registerLocalUser(
      { serverName: dataDirectory.serverName, users: new UsersStore(dataDirectory.db) },
      { localpart, password: values.password, admin: values.admin },
    );
    process.stdout.write(`registered ${userId}${values.admin ? ' (admin)' : ''}\n`);
  } finally {
    dataDirectory.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve(rest);
        return 0;
      case 'relay':
        await relay(rest);
        return 0;
      case 'register-user':
        await registerUser(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof DataDirectoryError || e instanceof MigrationError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof MatrixError) {
      process.stderr.write(`error: ${e.errcode}: ${e.message}\n`);
      return 1;
    }
    if ((e as { code?: string }).code === 'EADDRINUSE' || (e as { code?: string }).code === 'EACCES') {
      process.stderr.write(`error: cannot listen: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

const code = await main(process.argv.slice(2));
// `serve` and `relay` keep running until a signal; other commands end here.
if (!['serve', 'relay'].includes(process.argv[2] ?? '') || code !== 0) process.exitCode = code;
