/**
 * The composition root: opens the data directory, builds storage, handlers and HTTP apps from the config, and
 * starts and stops the listeners. The Electron main process and the CLI both start the server through this.
 *
 * One process is one instance. The events writer (`stream_writers.events`, default `main`) persists events and,
 * when `instance_map` names it, serves replication to other instances; any other instance sends its events there
 * and follows the writer's streams (SEED-BEHAVIOURS.md §2).
 */
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type Router from '@koa/router';
import type { HomeserverConfig } from './config/homeserverConfig.ts';
import { clientBaseUrl } from './config/homeserverConfig.ts';
import { openDataDirectory, type DataDirectory } from './storage/dataDirectory.ts';
import { Storage } from './storage/storage.ts';
import { LocalEventPersister, type EventPersister } from './storage/eventPersister.ts';
import type { StateResolver } from './state/stateResolver.ts';
import { RoomStateResolver } from './state/roomStateResolver.ts';
import { EventAuthReadStore } from './storage/databases/main/eventAuthReadStore.ts';
import type { EventCreationHandler } from './handlers/events/eventCreationHandler.ts';
import { Handlers } from './handlers/handlers.ts';
import { accountRoutes } from './http/client/accountRoutes.ts';
import { roomRoutes } from './http/client/roomRoutes.ts';
import { directoryRoutes } from './http/client/directoryRoutes.ts';
import { profileRoutes } from './http/client/profileRoutes.ts';
import { pushRulesRoutes } from './http/client/pushRulesRoutes.ts';
import { notificationsRoutes } from './http/client/notificationsRoutes.ts';
import type { PasswordHashCost } from './crypto/passwordHash.ts';
import { ServerKeyDocument } from './federation/serverKeyDocument.ts';
import { createClientApp } from './http/clientApp.ts';
import { errorResponses } from './http/errorResponses.ts';
import { versionsRoutes } from './http/client/versionsRoutes.ts';
import { wellKnownClientRoutes, wellKnownSupportRoutes } from './http/client/wellKnownRoutes.ts';
import { serverKeysRoutes } from './http/keys/serverKeysRoutes.ts';
import { Logger } from './logging/logger.ts';
import { Federation } from './federation/federation.ts';
import { bodySizeLimit } from './http/jsonBody.ts';
import { generatorStreamPosition, type StreamPosition } from './replication/streamPosition.ts';
import { replicationRoutes, type ReplicationServerStats } from './replication/replicationRoutes.ts';
import { ReplicationClient } from './replication/replicationClient.ts';
import { Notifier } from './replication/notifier.ts';
import { notifyOnNewEvents } from './replication/eventNotifications.ts';
import { syncRoutes } from './http/client/syncRoutes.ts';
import { filterRoutes } from './http/client/filterRoutes.ts';
import { accountDataRoutes } from './http/client/accountDataRoutes.ts';
import { receiptRoutes } from './http/client/receiptRoutes.ts';
import { typingRoutes } from './http/client/typingRoutes.ts';
import { presenceRoutes } from './http/client/presenceRoutes.ts';
import { devicesRoutes } from './http/client/devicesRoutes.ts';
import { keysRoutes } from './http/client/keysRoutes.ts';
import { toDeviceRoutes } from './http/client/toDeviceRoutes.ts';
import { keyBackupRoutes } from './http/client/keyBackupRoutes.ts';
import { mediaRoutes } from './http/media/mediaRoutes.ts';
import { relationsRoutes } from './http/client/relationsRoutes.ts';
import { searchRoutes } from './http/client/searchRoutes.ts';
import { userDirectoryRoutes } from './http/client/userDirectoryRoutes.ts';
import { reportRoutes } from './http/client/reportRoutes.ts';
import { pushersRoutes } from './http/client/pushersRoutes.ts';
import { thirdPartyRoutes } from './http/client/thirdPartyRoutes.ts';
import { voipRoutes } from './http/client/voipRoutes.ts';
import { spaceHierarchyRoutes } from './http/client/spaceHierarchyRoutes.ts';
import { roomUpgradeRoutes } from './http/client/roomUpgradeRoutes.ts';
import { timestampToEventRoutes } from './http/client/timestampToEventRoutes.ts';
import { threePidRoutes } from './http/client/threePidRoutes.ts';
import { accountDeactivationRoutes } from './http/client/accountDeactivationRoutes.ts';
import { loginTokenRoutes } from './http/client/loginTokenRoutes.ts';
import { openIdRoutes } from './http/client/openIdRoutes.ts';
import { whoisRoutes } from './http/client/whoisRoutes.ts';
import { accountModerationRoutes } from './http/client/accountModerationRoutes.ts';
import { mutualRoomsRoutes } from './http/client/mutualRoomsRoutes.ts';
import { roomSummaryRoutes } from './http/client/roomSummaryRoutes.ts';
import { AdminApi, type AdminApiOptions } from './http/admin/adminApi.ts';
import { RelayClient, type RelayClientOptions } from './relay/relayClient.ts';
import { LoopbackForwarder } from './relay/loopbackForwarder.ts';
import { extraLoopbackHost } from './http/admin/loopbackAddress.ts';
import { createHttpListener, listenOn, closeGracefully, type TlsMaterial } from './http/httpListener.ts';

/** Reported by the federation version endpoint. */
export const SOFTWARE_VERSION = '0.1.0';


export interface HomeserverOptions {
  readonly config: HomeserverConfig;
  readonly log?: Logger;
  /** State resolution; defaults to v1/v2 per room version over the stored auth DAG. */
  readonly stateResolver?: StateResolver;
  /** Cheaper password hashing, for tests. */
  readonly passwordCost?: PasswordHashCost;
  /** The desktop admin API's token, settings file, desktop hooks and renderer directory (core/http/admin/adminApi.ts). */
  readonly admin?: AdminApiOptions;
  /** Tuning of the relay client (backoff, mailbox polling), for tests. */
  readonly relayClient?: RelayClientTuning;
}

export type RelayClientTuning = Partial<Pick<RelayClientOptions, 'pollIntervalMs' | 'backoff' | 'scheduler'>>;

export class Homeserver {
  private readonly servers: Server[] = [];
  private readonly startedAt = Date.now();
  readonly replicationStats: ReplicationServerStats = { sendEventCalls: 0 };
  readonly storage: Storage;
  readonly eventsPosition: StreamPosition;
  readonly handlers: Handlers;
  /** Present on instances other than the events writer. */
  readonly replicationClient: ReplicationClient | null;
  private replicationAddress: AddressInfo | null = null;
  /** Aborted when stopping, so long-polls answer at once instead of holding shutdown. */
  private readonly shutdown = new AbortController();
  /** Wakes /sync long-polls (and other followers) when something is written. */
  readonly notifier: Notifier;
  /** Federation with other servers; on the events writer only. */
  readonly federation: Federation | null;
  /** The desktop UI's API under /_desktop/api/ on the client listener; `admin.token` is this launch's token. */
  readonly admin: AdminApi;
  private federationAddress: AddressInfo | null = null;
  private adminAddress: AddressInfo | null = null;
  private relay: RelayClient | null = null;
  private relayTunnelTarget: LoopbackForwarder | null = null;
  private relayClientOptions: RelayClientTuning = {};

  private constructor(
    readonly config: HomeserverConfig,
    readonly dataDirectory: DataDirectory,
    readonly log: Logger,
    readonly keyDocument: ServerKeyDocument,
    stateResolver: StateResolver,
    passwordCost: PasswordHashCost | undefined,
    adminOptions: AdminApiOptions = {},
  ) {
    const identity = { instanceName: config.instance_name, eventsWriter: config.stream_writers.events };
    this.storage = new Storage({ db: dataDirectory.db, serverName: dataDirectory.serverName, identity, stateResolver });
    let persister: EventPersister;
    if (this.storage.persistence) {
      persister = new LocalEventPersister(this.storage.persistence);
      this.eventsPosition = generatorStreamPosition(this.storage.stores.streams.events);
      this.replicationClient = null;
    } else {
      const writer = config.instance_map[identity.eventsWriter]!;
      const client = new ReplicationClient(`http://${hostForUrl(writer.host)}:${writer.port}`, this.storage.invalidations, log.child('replication'), {
        events: this.storage.stores.streams.events.getCurrentToken(),
        caches: this.storage.stores.streams.caches.getCurrentToken(),
      });
      persister = client;
      this.eventsPosition = client.events;
      this.replicationClient = client;
    }
    this.notifier = new Notifier(this.shutdown.signal);
    notifyOnNewEvents(this.notifier, this.eventsPosition, this.storage.persistence);
    this.handlers = new Handlers({
      config,
      notifier: this.notifier,
      eventsPosition: this.eventsPosition,
      storage: this.storage,
      signer: { serverName: dataDirectory.serverName, signingKey: dataDirectory.signingKey },
      persister,
      log,
      ...(passwordCost ? { passwordCost } : {}),
    });
    this.federation = this.storage.persistence
      ? new Federation({
          config,
          storage: this.storage,
          persistence: this.storage.persistence,
          stateResolver,
          signer: { serverName: dataDirectory.serverName, signingKey: dataDirectory.signingKey },
          eventCreation: this.handlers.eventCreation,
          directory: this.handlers.directory,
          media: this.handlers.media,
          e2ee: this.handlers.e2ee,
          keyDocument,
          log,
          softwareVersion: SOFTWARE_VERSION,
        })
      : null;
    if (this.federation) {
      // A pause saved before the last stop holds from the first moment: the queue catches up only once resumed.
      if (config.federation.paused) this.federation.sender.setPaused(true);
      this.handlers.memberships.setRemote(this.federation.remoteMembership);
      this.handlers.roomHistory.setBackfiller(this.federation.backfiller);
      this.handlers.profiles.setRemote(this.federation.remoteMembership);
      this.handlers.media.setRemote(this.federation.mediaSource);
      this.federation.ephemeral.attach(this.handlers.typing, this.handlers.receipts, this.handlers.presence, this.federation.transactions);
      this.federation.ephemeral.sendPresenceOnJoin(this.storage.persistence!, this.handlers.presence);
      this.handlers.e2ee.keyQuery.setRemote(this.federation.remoteKeys, this.federation.keyCache);
      this.handlers.e2ee.keyClaim.setRemote(this.federation.remoteKeys);
      const federation = this.federation;
      this.handlers.e2ee.toDevice.setRemoteSender((destination, content) => federation.sendToDevice(destination, content));
    }
    this.admin = new AdminApi(
      {
        config,
        stores: this.storage.stores,
        serializer: this.handlers.serializer,
        notifier: this.notifier,
        eventsPosition: this.eventsPosition,
        federationSender: this.federation?.sender ?? null,
        federationListener: () => this.federationAddress,
        log,
        databasePath: dataDirectory.databasePath,
        uptimeMs: () => this.uptimeMs,
        version: SOFTWARE_VERSION,
      },
      adminOptions,
    );
  }

  /** The relay client (tunnel and mailbox), when `relay` is configured; present once listening. */
  get relayClient(): RelayClient | null {
    return this.relay;
  }

  /** The federation listener's address, once listening (when `federation.listener` is configured). */
  get federationListenerAddress(): AddressInfo | null {
    return this.federationAddress;
  }

  /** Shorthand for the event creation handler. */
  get eventCreation(): EventCreationHandler {
    return this.handlers.eventCreation;
  }

  /** Opens storage (applying migrations); does not listen yet. */
  static open(options: HomeserverOptions): Homeserver {
    const log = options.log ?? new Logger(options.config.log_level);
    const dataDirectory = openDataDirectory(options.config.data_dir, {
      serverName: options.config.server_name,
      backgroundCheckpoints: { onError: (message) => log.warn(message) },
    });
    const keyDocument = new ServerKeyDocument({ serverName: dataDirectory.serverName, signingKey: dataDirectory.signingKey });
    const authChains = new EventAuthReadStore(dataDirectory.db);
    const stateResolver = options.stateResolver ?? new RoomStateResolver({ authChains, rejections: authChains });
    const homeserver = new Homeserver(options.config, dataDirectory, log, keyDocument, stateResolver, options.passwordCost, options.admin);
    homeserver.relayClientOptions = options.relayClient ?? {};
    return homeserver;
  }

  get serverName(): string {
    return this.dataDirectory.serverName;
  }

  get uptimeMs(): number {
    return Date.now() - this.startedAt;
  }

  /**
   * Where this machine reaches the admin API and the UI, once listening: the client listener, or, when that is
   * bound to one non-loopback address, a loopback listener next to it (same port when free) serving the same app.
   */
  get adminListenerAddress(): AddressInfo | null {
    return this.adminAddress;
  }

  /** The replication listener's address (writer instances named in instance_map only). */
  get replicationListenerAddress(): AddressInfo | null {
    return this.replicationAddress;
  }

  /**
   * Starts the listeners; resolves with the client listener's bound address once it accepts connections.
   * The events writer also serves replication when `instance_map` has an address for it.
   */
  async listen(): Promise<AddressInfo> {
    if (this.servers.length > 0) throw new Error('already listening');
    const app = createClientApp({
      log: this.log.child('http'),
      maxRequestBodyBytes: this.config.limits.max_request_body_bytes,
      // Media uploads are raw bytes with their own, larger limit.
      bodyLimitOverrides: [{ pathPrefix: '/_matrix/media/', maxBytes: this.config.limits.max_upload_bytes }],
      routers: [
        versionsRoutes(),
        wellKnownClientRoutes(clientBaseUrl(this.config)),
        wellKnownSupportRoutes(this.config.support),
        serverKeysRoutes(this.keyDocument),
        accountRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        roomRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        directoryRoutes({ ...this.handlers, serverName: this.serverName, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        profileRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        pushRulesRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        notificationsRoutes(this.handlers),
        syncRoutes(this.handlers),
        filterRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        accountDataRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        receiptRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        typingRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        presenceRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        devicesRoutes({ tokens: this.handlers.tokens, devices: this.handlers.e2ee.devices, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        keysRoutes({ tokens: this.handlers.tokens, e2ee: this.handlers.e2ee, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        toDeviceRoutes({ tokens: this.handlers.tokens, toDevice: this.handlers.e2ee.toDevice, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        keyBackupRoutes({ tokens: this.handlers.tokens, keyBackup: this.handlers.e2ee.keyBackup, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        mediaRoutes(this.handlers),
        relationsRoutes(this.handlers),
        searchRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        userDirectoryRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        reportRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        pushersRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        thirdPartyRoutes(this.handlers),
        voipRoutes(this.handlers),
        spaceHierarchyRoutes(this.handlers),
        roomUpgradeRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        timestampToEventRoutes(this.handlers),
        threePidRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        accountDeactivationRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        loginTokenRoutes(this.handlers),
        openIdRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        whoisRoutes(this.handlers),
        accountModerationRoutes({ ...this.handlers, maxBodyBytes: this.config.limits.max_request_body_bytes }),
        mutualRoomsRoutes(this.handlers),
        roomSummaryRoutes(this.handlers),
        ...this.admin.routers(this.config.limits.max_request_body_bytes),
      ],
    });
    const { host, port } = this.config.client_listener;
    const address = await this.startServer(app, host, port);
    this.adminAddress = (await this.startAdminLoopbackListener(app, host, address.port)) ?? address;

    const ownReplicationAddress = this.config.instance_map[this.config.instance_name];
    if (this.storage.persistence && ownReplicationAddress) {
      const replicationApp = new Koa();
      replicationApp.silent = true;
      replicationApp.use(errorResponses(this.log.child('replication')));
      const router: Router = replicationRoutes(
        {
          persistence: this.storage.persistence,
          events: this.eventsPosition,
          invalidations: this.storage.invalidations,
          cachesPosition: generatorStreamPosition(this.storage.stores.streams.caches),
          maxBodyBytes: Math.max(this.config.limits.max_request_body_bytes, 1024 * 1024),
          shutdown: this.shutdown.signal,
        },
        this.replicationStats,
      );
      replicationApp.use(router.routes());
      this.replicationAddress = await this.startServer(replicationApp, ownReplicationAddress.host, ownReplicationAddress.port);
    }
    this.replicationClient?.start();
    await this.startFederation();
    this.admin.start(address);
    return address;
  }

  /** Serves the server-server API on the federation listener (TLS when a certificate is configured) and starts sending. */
  private async startFederation(): Promise<void> {
    const federation = this.federation;
    if (!federation) return;
    const listener = this.config.federation.listener;
    const relay = this.config.relay;
    if (!listener && !relay) {
      await federation.start();
      return;
    }
    const app = new Koa();
    app.silent = true;
    app.use(errorResponses(this.log.child('federation-http')));
    app.use(bodySizeLimit(Math.max(this.config.limits.max_request_body_bytes, 4 * 1024 * 1024)));
    for (const router of [serverKeysRoutes(this.keyDocument), ...federation.routes()]) {
      app.use(router.routes());
      app.use(router.allowedMethods({ throw: true }));
    }
    if (listener) {
      const tls = listener.tls_cert && listener.tls_key ? { cert: readFileSync(listener.tls_cert), key: readFileSync(listener.tls_key) } : null;
      this.federationAddress = await this.startServer(app, listener.host, listener.port, tls);
    }
    await federation.start();
    if (relay) {
      // Requests from the relay's tunnel are replayed into the same app on a loopback port only the tunnel uses.
      const tunnelTarget = new LoopbackForwarder((await this.startServer(app, '127.0.0.1', 0)).port);
      const relayClient = new RelayClient({
        relay,
        serverName: this.serverName,
        client: federation.client,
        keyRing: federation.keyRing,
        transactions: federation.transactions,
        events: federation.receiver,
        handler: (request) => tunnelTarget.handle(request),
        verifyCertificates: this.config.federation.verify_certificates,
        allowInsecureHttp: this.config.federation.allow_insecure_http,
        log: this.log.child('relay'),
        ...this.relayClientOptions,
      });
      this.relay = relayClient;
      this.relayTunnelTarget = tunnelTarget;
      this.admin.setRelayStatusSource(relayClient);
      relayClient.start();
    }
  }

  /** The client app on loopback too when the client listener cannot be reached from loopback (see extraLoopbackHost). */
  private async startAdminLoopbackListener(app: Koa, clientHost: string, clientPort: number): Promise<AddressInfo | null> {
    const loopback = extraLoopbackHost(clientHost);
    if (loopback === null) return null;
    try {
      return await this.startServer(app, loopback, clientPort);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EADDRINUSE') throw e;
      this.log.warn(`port ${clientPort} is taken on ${loopback}; the desktop UI listens on another loopback port`);
      return this.startServer(app, loopback, 0);
    }
  }

  private async startServer(app: Koa, host: string, port: number, tls: TlsMaterial | null = null): Promise<AddressInfo> {
    const server = createHttpListener(app, tls);
    // Long-polling requests (/sync, replication) can outlive Node's default request timeout.
    server.requestTimeout = 0;
    this.servers.push(server);
    try {
      return await listenOn(server, host, port);
    } catch (e) {
      // Never listened: nothing to close at stop.
      this.servers.splice(this.servers.indexOf(server), 1);
      throw e;
    }
  }

  /** Stops accepting requests, lets in-flight requests and queued event writes finish, and closes storage. */
  async stop(): Promise<void> {
    const servers = this.servers.splice(0);
    this.shutdown.abort();
    this.admin.stop();
    await this.replicationClient?.stop();
    await this.relay?.stop();
    this.relayTunnelTarget?.close();
    await this.federation?.stop();
    await Promise.all(servers.map((server) => closeGracefully(server)));
    await this.storage.persistence?.flush();
    // Push actions of the last batches are recorded after their commit; let that finish before closing.
    this.handlers.pushActionsRecorder?.detach();
    await this.handlers.pushActionsRecorder?.flush();
    this.handlers.pushGateways.stop();
    await this.handlers.pushGateways.flush();
    this.dataDirectory.close();
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
