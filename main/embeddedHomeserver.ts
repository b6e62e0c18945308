/**
 * The core, run inside the Electron main process on the app-data folder: started from homeserver.yaml with
 * the desktop's admin API options, stopped (letting in-flight requests and queued writes finish), and
 * restarted when saved settings need it. If the configured port is taken by another program, the server
 * starts on a free port instead (and says so), so the settings page stays reachable to fix it.
 */
import type { AddressInfo } from 'node:net';
import { loadConfigFile } from '../core/config/configLoader.ts';
import { clientBaseUrl } from '../core/config/homeserverConfig.ts';
import { Homeserver } from '../core/homeserver.ts';
import type { DesktopIntegration } from '../core/http/admin/desktopIntegration.ts';
import { loopbackUrlHost } from '../core/http/admin/loopbackAddress.ts';
import type { PasswordHashCost } from '../core/crypto/passwordHash.ts';
import type { Logger } from '../core/logging/logger.ts';

export interface EmbeddedHomeserverOptions {
  readonly configFile: string;
  readonly rendererDirectory: string | null;
  readonly desktop: DesktopIntegration;
  readonly log?: Logger;
  /** Cheaper password hashing, for tests. */
  readonly passwordCost?: PasswordHashCost;
}

export interface RunningCore {
  readonly homeserver: Homeserver;
  /** Where Matrix clients reach the server. */
  readonly homeserverUrl: string;
  /** Where the UI is served (always a loopback address: the admin API answers nothing else). */
  readonly uiUrl: string;
  /** Set when the configured port was taken and another one was used. */
  readonly portFallback: { readonly configured: number; readonly used: number } | null;
}

export class EmbeddedHomeserver {
  private running: RunningCore | null = null;

  constructor(private readonly options: EmbeddedHomeserverOptions) {}

  get current(): RunningCore | null {
    return this.running;
  }

  async start(): Promise<RunningCore> {
    if (this.running) return this.running;
    const config = loadConfigFile(this.options.configFile);
    let homeserver = this.open(config);
    let address: AddressInfo;
    let portFallback: RunningCore['portFallback'] = null;
    try {
      address = await homeserver.listen();
    } catch (e) {
      await homeserver.stop();
      if ((e as { code?: string }).code !== 'EADDRINUSE' || config.client_listener.port === 0) throw e;
      homeserver = this.open({ ...config, client_listener: { ...config.client_listener, port: 0 } });
      address = await homeserver.listen();
      portFallback = { configured: config.client_listener.port, used: address.port };
      homeserver.log.warn(`port ${config.client_listener.port} is in use by another program; running on ${address.port} until it is changed in settings`);
    }
    const { host } = config.client_listener;
    const homeserverUrl = clientBaseUrl({ ...config, client_listener: { host, port: address.port } });
    // Bound to one LAN address, the server also listens on loopback for the UI (Homeserver.adminListenerAddress).
    const ui = homeserver.adminListenerAddress ?? address;
    this.running = { homeserver, homeserverUrl, uiUrl: `http://${loopbackUrlHost(ui)}:${ui.port}/_desktop/`, portFallback };
    return this.running;
  }

  /** Stops the server; resolves once in-flight requests and queued event writes are done and storage is closed. */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = null;
    await running?.homeserver.stop();
  }

  async restart(): Promise<RunningCore> {
    await this.stop();
    return this.start();
  }

  private open(config: ReturnType<typeof loadConfigFile>): Homeserver {
    return Homeserver.open({
      config,
      ...(this.options.log ? { log: this.options.log } : {}),
      ...(this.options.passwordCost ? { passwordCost: this.options.passwordCost } : {}),
      admin: { configFile: this.options.configFile, desktop: this.options.desktop, rendererDirectory: this.options.rendererDirectory },
    });
  }
}
