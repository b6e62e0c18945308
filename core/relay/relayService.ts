/**
 * The relay service: a headless mode of the core that federates on behalf of its tenants. Its own data
 * directory (relay.db with the relay's schema, and its own signing key), one listener (TLS when configured) for
 * federation and the tenants' tunnels, a key ring for checking X-Matrix signatures, and the mailboxes.
 */
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { RelayServiceConfig } from '../config/relayServiceConfig.ts';
import { openDataDirectory, type DataDirectory } from '../storage/dataDirectory.ts';
import { ServerKeysStore } from '../storage/databases/main/serverKeysStore.ts';
import { ServerKeyDocument } from '../federation/serverKeyDocument.ts';
import { KeyRing } from '../federation/keyRing.ts';
import { ServerResolver } from '../federation/serverResolver.ts';
import { FederationHttpClient } from '../federation/federationHttpClient.ts';
import { fetchWellKnown } from '../federation/federation.ts';
import { errorResponses } from '../http/errorResponses.ts';
import { createHttpListener, listenOn, closeGracefully } from '../http/httpListener.ts';
import { bodySizeLimit } from '../http/jsonBody.ts';
import { serverKeysRoutes } from '../http/keys/serverKeysRoutes.ts';
import { Logger } from '../logging/logger.ts';
import { RELAY_MIGRATIONS } from './schema/relayMigrations.ts';
import { MailboxStore } from './mailboxStore.ts';
import { RelayMailboxes } from './relayMailboxes.ts';
import { RelayTenants } from './relayTenants.ts';
import { TenantTunnels } from './tenantTunnels.ts';
import { TenantKeyDocumentStore } from './tenantKeyDocumentStore.ts';
import { KEY_DOCUMENT_PATH, TenantKeys } from './tenantKeys.ts';
import { tenantFrontDoor } from './tenantFrontDoor.ts';
import { relayRoutes } from './relayRoutes.ts';

export interface RelayServiceOptions {
  readonly config: RelayServiceConfig;
  readonly log?: Logger;
  /** How often tunnels are pinged (dead ones are closed after one missed answer). */
  readonly pingIntervalMs?: number;
}

export const RELAY_DATABASE_FILE = 'relay.db';
/** Reported by the relay's federation version endpoint. */
export const RELAY_SOFTWARE_VERSION = '0.1.0';

export class RelayService {
  readonly tenants: RelayTenants;
  readonly keyRing: KeyRing;
  readonly mailboxStore: MailboxStore;
  readonly mailboxes: RelayMailboxes;
  readonly tunnels: TenantTunnels;
  readonly tenantKeys: TenantKeys;
  private readonly keyDocument: ServerKeyDocument;
  private server: Server | null = null;

  private constructor(
    readonly config: RelayServiceConfig,
    readonly dataDirectory: DataDirectory,
    readonly log: Logger,
    pingIntervalMs: number | undefined,
  ) {
    const serverName = dataDirectory.serverName;
    const db = dataDirectory.db;
    this.tenants = new RelayTenants(config.tenants);
    this.keyDocument = new ServerKeyDocument({ serverName, signingKey: dataDirectory.signingKey });
    const client = new FederationHttpClient({
      serverName,
      signingKey: dataDirectory.signingKey,
      resolver: new ServerResolver({
        staticMap: config.federation.resolve,
        fetchWellKnown: (hostname) => fetchWellKnown(hostname, config.federation.verify_certificates),
      }),
      verifyCertificates: config.federation.verify_certificates,
      allowInsecureHttp: config.federation.allow_insecure_http,
    });
    this.tunnels = new TenantTunnels({
      tenants: this.tenants,
      maxInFlight: config.limits.tunnel_max_in_flight,
      log: log.child('tunnels'),
      ...(pingIntervalMs === undefined ? {} : { pingIntervalMs }),
      onConnected: (tenant) => this.tenantConnected(tenant),
    });
    this.keyRing = new KeyRing({
      ownServerName: serverName,
      ownKey: dataDirectory.signingKey,
      store: new ServerKeysStore(db),
      // Tenants publish their keys through their tunnels (or the copy kept here); others are asked directly.
      fetchDirect: (server) =>
        this.tenants.has(server) ? this.tenantKeys.fetch(server) : client.request(server, { method: 'GET', path: KEY_DOCUMENT_PATH, unsigned: true, timeoutMs: 15_000 }),
      log: log.child('keyring'),
    });
    this.tenantKeys = new TenantKeys(this.tunnels, new TenantKeyDocumentStore(db), (tenant, document) => this.keyRing.checkDocument(tenant, document).length > 0);
    const limits = { maxEntries: config.limits.mailbox_max_entries, maxBytes: config.limits.mailbox_max_bytes };
    this.mailboxStore = new MailboxStore(db, limits);
    this.mailboxes = new RelayMailboxes({
      relayServerName: serverName,
      store: this.mailboxStore,
      tenants: this.tenants,
      limits,
      depositRate: { perSecond: config.limits.origin_deposits_per_second, burst: config.limits.origin_deposit_burst },
      onDeposited: (tenant, pending) => this.tunnels.notifyMailbox(tenant, pending),
    });
  }

  /** Opens (or creates) the data directory; does not listen yet. */
  static open(options: RelayServiceOptions): RelayService {
    const log = options.log ?? new Logger(options.config.log_level);
    const dataDirectory = openDataDirectory(options.config.data_dir, {
      serverName: options.config.server_name,
      migrations: RELAY_MIGRATIONS,
      databaseFile: RELAY_DATABASE_FILE,
      backgroundCheckpoints: { onError: (message) => log.warn(message) },
    });
    return new RelayService(options.config, dataDirectory, log, options.pingIntervalMs);
  }

  get serverName(): string {
    return this.dataDirectory.serverName;
  }

  /** Starts the listener; resolves with its address once it accepts connections. */
  async listen(): Promise<AddressInfo> {
    if (this.server) throw new Error('already listening');
    const maxBodyBytes = this.config.limits.max_request_body_bytes;
    const app = new Koa();
    app.silent = true;
    app.use(errorResponses(this.log.child('relay-http')));
    app.use(bodySizeLimit(maxBodyBytes));
    app.use(
      tenantFrontDoor({
        relayServerName: this.serverName,
        tenants: this.tenants,
        tunnels: this.tunnels,
        mailboxes: this.mailboxes,
        keys: this.tenantKeys,
        keyRing: this.keyRing,
        maxBodyBytes,
      }),
    );
    const routes = relayRoutes({ relayServerName: this.serverName, keyRing: this.keyRing, mailboxes: this.mailboxes, maxBodyBytes, softwareVersion: RELAY_SOFTWARE_VERSION });
    for (const router of [serverKeysRoutes(this.keyDocument), routes]) {
      app.use(router.routes());
      app.use(router.allowedMethods({ throw: true }));
    }
    const { listener } = this.config;
    const server = createHttpListener(app, listener.tls_cert && listener.tls_key ? { cert: readFileSync(listener.tls_cert), key: readFileSync(listener.tls_key) } : null);
    server.on('upgrade', (req, socket, head) => this.tunnels.handleUpgrade(req, socket, head));
    this.server = server;
    const address = await listenOn(server, listener.host, listener.port);
    this.log.info(`relay ${this.serverName} serving ${this.tenants.names().join(', ')}`);
    return address;
  }

  /** Closes the tunnels (tenants reconnect with backoff), lets in-flight requests finish and closes storage. */
  async stop(): Promise<void> {
    this.tunnels.closeAll();
    const server = this.server;
    this.server = null;
    if (server) await closeGracefully(server);
    this.dataDirectory.close();
  }

  /** A tenant came online: refresh the copy of its keys, and tell it about waiting mail. */
  private tenantConnected(tenant: string): void {
    this.tenantKeys.fetch(tenant).catch((e) => this.log.warn(`fetching the keys of ${tenant} through its tunnel failed: ${(e as Error).message}`));
    const pending = this.mailboxes.pending(tenant);
    if (pending > 0) this.tunnels.notifyMailbox(tenant, pending);
  }
}
