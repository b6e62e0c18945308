/**
 * The desktop admin API of one server, composed: its per-launch token, the health/rooms/device-lists/settings
 * readers, the events/s sampler, live updates, and the routers (the API and the built renderer) that the
 * composition root puts on the client listener. Served there, not on a listener of its own: the client
 * listener is loopback by default, every admin request is refused unless it comes from this machine and
 * carries the token, and the UI then lives at the same address Matrix clients use.
 */
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import type { HomeserverConfig } from '../../config/homeserverConfig.ts';
import { clientBaseUrl } from '../../config/homeserverConfig.ts';
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { EventSerializer } from '../../handlers/events/eventSerializer.ts';
import type { FederationSender } from '../../federation/federationSender.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Notifier } from '../../replication/notifier.ts';
import type { StreamPosition } from '../../replication/streamPosition.ts';
import { createAdminToken } from './adminToken.ts';
import { adminRoutes } from './adminRoutes.ts';
import { AdminRoomsReader } from './adminRoomsReader.ts';
import { AdminDeviceLists } from './adminDeviceLists.ts';
import { ConfigFileSettings } from './configFileSettings.ts';
import type { DesktopIntegration } from './desktopIntegration.ts';
import { EventRateSampler } from './eventRateSampler.ts';
import { liveUpdatesHandler } from './liveUpdates.ts';
import { configuredRelayStatus, type RelayStatusSource } from './relayStatusSource.ts';
import { defaultRendererDirectory, rendererRoutes } from './rendererFiles.ts';
import { ServerHealth } from './serverHealth.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import type { FederationStatus } from './adminApiTypes.ts';

/** What whoever starts the server decides about its admin API. */
export interface AdminApiOptions {
  /** The bearer token; a new random one when absent. */
  readonly token?: string;
  /** The YAML config file that settings are saved to; null or absent: settings are read-only. */
  readonly configFile?: string | null;
  /** The desktop app's own settings (start at login); absent in a plain `serve`. */
  readonly desktop?: DesktopIntegration | null;
  /** The built renderer to serve under /_desktop/; absent: this checkout's renderer/dist if built; null: none. */
  readonly rendererDirectory?: string | null;
}

/** What the admin API reads, from the composition root. */
export interface AdminApiDeps {
  readonly config: HomeserverConfig;
  readonly stores: DataStores;
  readonly serializer: EventSerializer;
  readonly notifier: Notifier;
  readonly eventsPosition: StreamPosition;
  readonly federationSender: FederationSender | null;
  readonly federationListener: () => AddressInfo | null;
  readonly log: Logger;
  readonly databasePath: string;
  readonly uptimeMs: () => number;
  readonly version: string;
}

export class AdminApi {
  readonly token: string;
  readonly sampler: EventRateSampler;
  readonly health: ServerHealth;
  readonly settings: ConfigFileSettings;
  private relay: RelayStatusSource;
  private homeserverUrl: string;

  constructor(
    private readonly deps: AdminApiDeps,
    private readonly options: AdminApiOptions = {},
  ) {
    this.token = options.token ?? createAdminToken();
    this.homeserverUrl = clientBaseUrl(deps.config);
    this.relay = configuredRelayStatus(deps.config.relay);
    this.sampler = new EventRateSampler(deps.eventsPosition);
    this.health = new ServerHealth({
      stores: deps.stores,
      eventsPosition: deps.eventsPosition,
      databasePath: deps.databasePath,
      homeserverUrl: () => this.homeserverUrl,
      version: deps.version,
      uptimeMs: deps.uptimeMs,
      log: deps.log,
      sampler: this.sampler,
      federationSender: deps.federationSender,
      federationListener: deps.federationListener,
      relay: () => this.relay,
      pauseSaved: (options.configFile ?? null) !== null,
    });
    this.settings = new ConfigFileSettings({
      running: deps.config,
      serverName: deps.stores.serverName,
      configFile: options.configFile ?? null,
      desktop: options.desktop ?? null,
    });
  }

  /**
   * "Pause federation" (the health page, the tray): saved to the config file first (so that a restart keeps it;
   * a save that fails changes nothing), then applied to the sender at once. While paused, transactions (events,
   * receipts, typing, presence, to-device) wait in the durable outbox and nothing is sent, directly or through a
   * relay; resuming sends what waits.
   */
  setFederationPaused(paused: boolean): FederationStatus {
    const sender = this.deps.federationSender;
    if (!sender) throw MatrixError.invalidParam('This server instance does not federate');
    this.settings.saveFederationPaused(paused);
    sender.setPaused(paused);
    this.options.desktop?.federationPausedChanged?.(paused);
    return this.health.federation();
  }

  /** The relay client reports its connection and mailbox through this once it runs. */
  setRelayStatusSource(source: RelayStatusSource): void {
    this.relay = source;
  }

  routers(maxBodyBytes: number): Router[] {
    const rendererDirectory = this.options.rendererDirectory === undefined ? defaultRendererDirectory() : this.options.rendererDirectory;
    return [
      adminRoutes({
        token: this.token,
        health: this.health,
        rooms: new AdminRoomsReader(this.deps.stores, this.deps.serializer),
        deviceLists: new AdminDeviceLists(this.deps.stores),
        settings: this.settings,
        setFederationPaused: (paused) => this.setFederationPaused(paused),
        liveUpdates: liveUpdatesHandler({ notifier: this.deps.notifier, health: this.health, sampler: this.sampler }),
        maxBodyBytes,
      }),
      rendererRoutes(rendererDirectory),
    ];
  }

  /** Starts sampling once the client listener is bound (a configured port 0 becomes the real one). */
  start(clientAddress: AddressInfo): void {
    const { host } = this.deps.config.client_listener;
    this.homeserverUrl = clientBaseUrl({ ...this.deps.config, client_listener: { host, port: clientAddress.port } });
    this.sampler.start();
  }

  stop(): void {
    this.sampler.stop();
  }
}
