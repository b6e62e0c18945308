/**
 * The composition root: opens the data directory, builds stores, handlers and HTTP apps from the config, and
 * starts and stops the listeners. The Electron main process and the CLI both start the server through this.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HomeserverConfig } from './config/homeserverConfig.ts';
import { clientBaseUrl } from './config/homeserverConfig.ts';
import { openDataDirectory, type DataDirectory } from './storage/dataDirectory.ts';
import { ServerKeyDocument } from './federation/serverKeyDocument.ts';
import { createClientApp } from './http/clientApp.ts';
import { versionsRoutes } from './http/client/versionsRoutes.ts';
import { wellKnownClientRoutes } from './http/client/wellKnownRoutes.ts';
import { serverKeysRoutes } from './http/keys/serverKeysRoutes.ts';
import { Logger } from './logging/logger.ts';

/** How long in-flight requests may take to finish at shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface HomeserverOptions {
  readonly config: HomeserverConfig;
  readonly log?: Logger;
}

export class Homeserver {
  private server: Server | null = null;
  private readonly startedAt = Date.now();

  private constructor(
    readonly config: HomeserverConfig,
    readonly dataDirectory: DataDirectory,
    readonly log: Logger,
    readonly keyDocument: ServerKeyDocument,
  ) {}

  /** Opens storage (applying migrations); does not listen yet. */
  static open(options: HomeserverOptions): Homeserver {
    const log = options.log ?? new Logger(options.config.log_level);
    const dataDirectory = openDataDirectory(options.config.data_dir, { serverName: options.config.server_name });
    const keyDocument = new ServerKeyDocument({ serverName: dataDirectory.serverName, signingKey: dataDirectory.signingKey });
    return new Homeserver(options.config, dataDirectory, log, keyDocument);
  }

  get serverName(): string {
    return this.dataDirectory.serverName;
  }

  get uptimeMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Starts the client listener; resolves with its bound address once it accepts connections. */
  async listen(): Promise<AddressInfo> {
    if (this.server) throw new Error('already listening');
    const app = createClientApp({
      log: this.log.child('http'),
      maxRequestBodyBytes: this.config.limits.max_request_body_bytes,
      routers: [versionsRoutes(), wellKnownClientRoutes(clientBaseUrl(this.config)), serverKeysRoutes(this.keyDocument)],
    });
    const server = createServer(app.callback());
    // Long-polling /sync requests can outlive Node's default request timeout.
    server.requestTimeout = 0;
    this.server = server;
    const { host, port } = this.config.client_listener;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** Stops accepting requests, lets in-flight requests finish, and closes storage. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would otherwise hold close() open; busy ones get a grace period.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      });
    }
    this.dataDirectory.close();
  }
}
