/**
 * A relay service and desktop homeservers that federate only through it, on loopback: the homeservers have no
 * federation listener at all (nothing but the relay could reach them); each resolves the other tenants' names
 * to the relay's URL and keeps a tunnel open to it. Both kinds can be stopped and opened again on the same data
 * directory (and the relay on the same port, since the tenants' configs name its URL).
 */
import type { TestContext } from 'node:test';
import { buildConfig } from '../../core/config/configLoader.ts';
import { buildRelayServiceConfig } from '../../core/config/relayServiceConfig.ts';
import { Homeserver, type RelayClientTuning } from '../../core/homeserver.ts';
import { Logger } from '../../core/logging/logger.ts';
import { RelayService } from '../../core/relay/relayService.ts';
import { tempDir } from './tempDir.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_PASSWORD_COST, type RunningHomeserver } from './testHomeserver.ts';

export const RELAY_NAME = 'relay.test';

export function tenantSecret(serverName: string): string {
  return `tunnel-secret-of-${serverName}`;
}

function testLogger(): Logger {
  return new Logger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error');
}

export interface RelayOptions {
  readonly tenants: readonly string[];
  /** Server name -> URL for servers that are not tenants (their keys are fetched directly). */
  readonly resolve?: Record<string, string>;
  readonly limits?: Record<string, number>;
  /** Secrets that differ from tenantSecret(name). */
  readonly secrets?: Record<string, string>;
  /** Serve TLS with the self-signed loopback certificate of test/support/tls/. */
  readonly tls?: boolean;
}

const TLS_DIR = fileURLToPath(new URL('./tls/', import.meta.url));

export class RunningRelay {
  private running: RelayService | null;
  private constructor(
    private readonly raw: Record<string, unknown>,
    service: RelayService,
    readonly port: number,
    private readonly tls: boolean,
  ) {
    this.running = service;
  }

  static async start(t: TestContext, options: RelayOptions): Promise<RunningRelay> {
    const raw = {
      server_name: RELAY_NAME,
      data_dir: tempDir(t, 'relay-test-'),
      listener: { host: '127.0.0.1', port: 0, ...(options.tls ? { tls_cert: join(TLS_DIR, 'loopback-cert.pem'), tls_key: join(TLS_DIR, 'loopback-key.pem') } : {}) },
      federation: { allow_insecure_http: true, resolve: options.resolve ?? {} },
      tenants: options.tenants.map((name) => ({ server_name: name, secret: options.secrets?.[name] ?? tenantSecret(name) })),
      ...(options.limits ? { limits: options.limits } : {}),
      log_level: 'error',
    };
    const service = RelayService.open({ config: buildRelayServiceConfig(raw), log: testLogger() });
    const { port } = await service.listen();
    const relay = new RunningRelay({ ...raw, listener: { ...raw.listener, port } }, service, port, options.tls ?? false);
    t.after(() => relay.stop());
    return relay;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get service(): RelayService {
    if (!this.running) throw new Error('the relay is stopped');
    return this.running;
  }

  async stop(): Promise<void> {
    const service = this.running;
    this.running = null;
    await service?.stop();
  }

  /** Opens the relay again on its data directory and port. */
  async restart(): Promise<void> {
    await this.stop();
    const service = RelayService.open({ config: buildRelayServiceConfig(this.raw), log: testLogger() });
    await service.listen();
    this.running = service;
  }
}

export interface TenantOptions {
  /** Other servers, resolved to the relay (default: none). */
  readonly peers?: readonly string[];
  readonly federation?: Record<string, unknown>;
  readonly secret?: string;
  readonly tuning?: RelayClientTuning;
}

/** A desktop homeserver that is a tenant of `relay`, without a federation listener. */
export class RelayedHomeserver implements RunningHomeserver {
  private running: Homeserver | null;
  private constructor(
    readonly serverName: string,
    private readonly raw: Record<string, unknown>,
    private readonly dataDir: string,
    private readonly tuning: RelayClientTuning,
    homeserver: Homeserver,
    private port: number,
  ) {
    this.running = homeserver;
  }

  static async start(t: TestContext, serverName: string, relay: RunningRelay, options: TenantOptions = {}): Promise<RelayedHomeserver> {
    const raw = {
      server_name: serverName,
      log_level: 'error',
      federation: {
        listener: null,
        allow_insecure_http: true,
        resolve: Object.fromEntries((options.peers ?? []).map((peer) => [peer, relay.url])),
        ...options.federation,
      },
      relay: { url: relay.url, server_name: RELAY_NAME, secret: options.secret ?? tenantSecret(serverName) },
    };
    const dataDir = tempDir(t, 'tenant-test-');
    const tuning: RelayClientTuning = { backoff: { initialMs: 100, maxMs: 1_000 }, ...options.tuning };
    const { homeserver, port } = await open(raw, dataDir, tuning);
    const server = new RelayedHomeserver(serverName, raw, dataDir, tuning, homeserver, port);
    t.after(() => server.stop());
    return server;
  }

  get homeserver(): Homeserver {
    if (!this.running) throw new Error(`${this.serverName} is stopped`);
    return this.running;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  async stop(): Promise<void> {
    const homeserver = this.running;
    this.running = null;
    await homeserver?.stop();
  }

  /** Opens the server again on the same data directory (a new client port). */
  async restart(): Promise<void> {
    await this.stop();
    const { homeserver, port } = await open(this.raw, this.dataDir, this.tuning);
    this.running = homeserver;
    this.port = port;
  }
}

async function open(raw: Record<string, unknown>, dataDir: string, tuning: RelayClientTuning): Promise<{ homeserver: Homeserver; port: number }> {
  const config = buildConfig(raw, { data_dir: dataDir, host: '127.0.0.1', port: 0 });
  const homeserver = Homeserver.open({ config, log: testLogger(), passwordCost: TEST_PASSWORD_COST, relayClient: tuning });
  const { port } = await homeserver.listen();
  return { homeserver, port };
}
