/**
 * The desktop app's lifecycle, with every Electron API injected (desktopShell.ts):
 * - one instance only: a second launch quits and brings the first one's window forward;
 * - first run (no owner yet): a setup window asks for the server name (once: it can never change), the owner's
 *   username and password; the config file is written, the core starts, and the owner's account is created;
 * - otherwise the core starts in-process on the app-data folder, and the window shows the renderer served by
 *   the core, with the per-launch admin token handed over by the preload script;
 * - a tray icon with the status and quick actions (open, copy the homeserver URL, pause federation (saved, so it
 *   holds after a restart), quit);
 *   closing the window keeps the server running in the tray;
 * - settings the core cannot hold (start at login) are persisted here and applied to the OS;
 * - quitting waits for the core to stop (in-flight requests and queued writes finish) before the process ends.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../core/logging/logger.ts';
import type { PasswordHashCost } from '../core/crypto/passwordHash.ts';
import type { DesktopIntegration } from '../core/http/admin/desktopIntegration.ts';
import type { FirstRunInfo, FirstRunResult } from '../core/http/admin/desktopBridgeTypes.ts';
import type { DesktopShell, DesktopTray, DesktopWindow, IpcSender } from './desktopShell.ts';
import { DesktopSettingsStore } from './desktopSettingsStore.ts';
import { desktopConfigExists, desktopConfigPath, writeInitialDesktopConfig } from './desktopConfigFile.ts';
import { EmbeddedHomeserver, type RunningCore } from './embeddedHomeserver.ts';
import { checkFirstRunAnswer, createOwnerAccount, suggestedUsername } from './ownerAccount.ts';
import { IPC_CHANNELS } from './ipcChannels.ts';
import { trayMenu, trayStatusText, type ServerStatus, type TrayState } from './trayMenu.ts';

export interface DesktopAppPaths {
  /** The bundled preload script. */
  readonly preload: string;
  /** The built renderer (index.html, setup.html, assets/). */
  readonly rendererDirectory: string;
  readonly trayIcon: string;
}

export interface DesktopAppOptions {
  readonly shell: DesktopShell;
  readonly paths: DesktopAppPaths;
  /** Settings written into a new config file besides the server name (tests pick a free port this way). */
  readonly initialConfig?: Readonly<Record<string, unknown>>;
  readonly log?: Logger;
  readonly passwordCost?: PasswordHashCost;
}

export type StartResult = 'running' | 'first-run' | 'second-instance' | 'failed';

export class DesktopApp {
  private readonly shell: DesktopShell;
  private settings!: DesktopSettingsStore;
  private core!: EmbeddedHomeserver;
  private window: DesktopWindow | null = null;
  private tray: DesktopTray | null = null;
  private status: ServerStatus = 'starting';
  private lastError: string | null = null;
  private shutdownPromise: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: DesktopAppOptions) {
    this.shell = options.shell;
  }

  /** The running core, if any (for the tray, and for tests). */
  get running(): RunningCore | null {
    return this.core?.current ?? null;
  }

  async start(): Promise<StartResult> {
    if (!this.shell.requestSingleInstanceLock()) {
      this.shell.quit();
      return 'second-instance';
    }
    this.shell.onSecondInstance(() => this.showWindow());
    this.shell.onBeforeQuit((event) => {
      if (this.stopped) return;
      // Electron would end the process as soon as this returns: hold it until the core has stopped.
      event.preventDefault();
      void this.shutdown();
    });
    // The server keeps running in the tray when its window is closed.
    this.shell.onWindowAllClosed(() => {});
    this.registerIpc();
    await this.shell.whenReady();

    const userData = this.shell.userDataPath();
    this.settings = new DesktopSettingsStore(userData);
    this.shell.setOpenAtLogin(this.settings.get().startAtLogin);
    this.core = new EmbeddedHomeserver({
      configFile: desktopConfigPath(userData),
      rendererDirectory: this.options.paths.rendererDirectory,
      desktop: this.desktopIntegration(),
      ...(this.options.log ? { log: this.options.log } : {}),
      ...(this.options.passwordCost ? { passwordCost: this.options.passwordCost } : {}),
    });
    this.tray = this.shell.createTray(this.options.paths.trayIcon);

    if (this.settings.get().ownerUserId === null) {
      this.setStatus('setup');
      await this.ensureWindow().loadFile(join(this.options.paths.rendererDirectory, 'setup.html'));
      return 'first-run';
    }
    return (await this.startCore()) ? 'running' : 'failed';
  }

  /** Opens (or brings forward) the window on the UI, or on the setup form during the first run. */
  showWindow(): void {
    const existing = this.window !== null && !this.window.isDestroyed();
    const window = this.ensureWindow();
    if (!existing) {
      const running = this.running;
      if (running) void window.loadUrl(running.uiUrl);
      else if (this.status === 'setup') void window.loadFile(join(this.options.paths.rendererDirectory, 'setup.html'));
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  copyHomeserverUrl(): void {
    const running = this.running;
    if (running) this.shell.writeClipboard(running.homeserverUrl);
  }

  /** Pauses or resumes federation; the choice is saved in homeserver.yaml, so it holds after a restart. */
  toggleFederation(): void {
    const homeserver = this.running?.homeserver;
    const sender = homeserver?.federation?.sender;
    if (!homeserver || !sender) return;
    try {
      homeserver.admin.setFederationPaused(!sender.isPaused);
    } catch (e) {
      this.shell.showError('Federation could not be paused or resumed', (e as Error).message);
    }
  }

  /** Restarts the core so saved settings take effect, and reloads the window on its (possibly new) address. */
  async restartServer(): Promise<void> {
    this.setStatus('starting');
    await this.core.stop();
    await this.startCore();
  }

  /** Stops the core (letting in-flight writes finish), then ends the process. Safe to call more than once. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.setStatus('stopping');
      try {
        await this.core?.stop();
      } catch (e) {
        this.options.log?.error('stopping the server failed', e);
      }
      this.tray?.destroy();
      this.tray = null;
      this.stopped = true;
      this.shell.exit(0);
    })();
    return this.shutdownPromise;
  }

  firstRunInfo(): FirstRunInfo {
    return {
      fixed_server_name: this.fixedServerName(),
      suggested_server_name: 'localhost',
      suggested_username: suggestedUsername(),
    };
  }

  async submitFirstRun(raw: unknown): Promise<FirstRunResult> {
    if (this.settings.get().ownerUserId !== null) return { ok: false, field: null, error: 'This server already has its owner' };
    const checked = checkFirstRunAnswer(raw, this.fixedServerName());
    if (!checked.ok) return checked;
    const userData = this.shell.userDataPath();
    if (!desktopConfigExists(userData)) writeInitialDesktopConfig(userData, checked.answer.server_name, this.options.initialConfig);
    const running = this.running ?? (await this.startCore({ openWindow: false }));
    if (!running) return { ok: false, field: null, error: `The server could not start: ${this.lastError ?? 'unknown error'}` };
    const result = await createOwnerAccount(running.homeserver, checked.answer, this.options.passwordCost);
    if (!result.ok) return result;
    this.settings.update({ ownerUserId: result.user_id });
    await this.ensureWindow().loadUrl(running.uiUrl);
    return result;
  }

  private async startCore(options: { openWindow?: boolean } = {}): Promise<RunningCore | null> {
    this.setStatus('starting');
    try {
      const running = await this.core.start();
      this.lastError = null;
      this.setStatus('running');
      if (running.portFallback) {
        this.shell.showError('Port in use', `Port ${running.portFallback.configured} is used by another program, so Hearth runs on port ${running.portFallback.used} for now. Choose another port in Settings.`);
      }
      if (options.openWindow ?? true) await this.ensureWindow().loadUrl(running.uiUrl);
      return running;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.setStatus('failed');
      this.options.log?.error('the server could not start', e);
      this.shell.showError('Hearth could not start its server', this.lastError);
      return null;
    }
  }

  /** The server name when the config file already fixes it (a first run interrupted after writing it). */
  private fixedServerName(): string | null {
    const userData = this.shell.userDataPath();
    if (!desktopConfigExists(userData)) return null;
    const raw = parseYaml(readFileSync(desktopConfigPath(userData), 'utf8')) as { server_name?: unknown } | null;
    return typeof raw?.server_name === 'string' ? raw.server_name : null;
  }

  private desktopIntegration(): DesktopIntegration {
    return {
      startAtLogin: () => this.settings.get().startAtLogin,
      setStartAtLogin: (enabled) => {
        this.settings.update({ startAtLogin: enabled });
        this.shell.setOpenAtLogin(enabled);
      },
      federationPausedChanged: () => this.refreshTray(),
    };
  }

  private ensureWindow(): DesktopWindow {
    if (this.window && !this.window.isDestroyed()) return this.window;
    const window = this.shell.createWindow({ title: 'Hearth', width: 1100, height: 760, preloadPath: this.options.paths.preload });
    window.onClosed(() => {
      if (this.window === window) this.window = null;
    });
    this.window = window;
    return window;
  }

  private registerIpc(): void {
    // The token goes only to our own UI, served by the running core.
    this.shell.answerIpcSync(IPC_CHANNELS.adminToken, (sender) => (this.isOwnUi(sender) ? this.running!.homeserver.admin.token : null));
    this.shell.handleIpc(IPC_CHANNELS.restartServer, async (sender) => {
      if (!this.isOwnUi(sender)) throw new Error('not allowed');
      await this.restartServer();
    });
    this.shell.handleIpc(IPC_CHANNELS.firstRunInfo, (sender) => {
      if (!this.isSetupPage(sender)) throw new Error('not allowed');
      return this.firstRunInfo();
    });
    this.shell.handleIpc(IPC_CHANNELS.firstRunSubmit, (sender, answer) => {
      if (!this.isSetupPage(sender)) throw new Error('not allowed');
      return this.submitFirstRun(answer);
    });
  }

  private isOwnUi(sender: IpcSender): boolean {
    const running = this.running;
    return running !== null && sender.url.startsWith(running.uiUrl);
  }

  private isSetupPage(sender: IpcSender): boolean {
    return sender.url.startsWith('file:') && /\/setup\.html(?:[?#].*)?$/.test(sender.url);
  }

  private setStatus(status: ServerStatus): void {
    this.status = status;
    this.refreshTray();
  }

  private trayState(): TrayState {
    const running = this.status === 'running' ? this.running : null;
    return {
      status: this.status,
      homeserverUrl: running?.homeserverUrl ?? null,
      federationPaused: running?.homeserver.federation ? running.homeserver.federation.sender.isPaused : null,
      error: this.lastError,
    };
  }

  private refreshTray(): void {
    if (!this.tray) return;
    const state = this.trayState();
    this.tray.setToolTip(trayStatusText(state));
    this.tray.setMenu(
      trayMenu(state, {
        open: () => this.showWindow(),
        copyHomeserverUrl: () => this.copyHomeserverUrl(),
        toggleFederation: () => this.toggleFederation(),
        quit: () => this.shell.quit(),
      }),
    );
  }
}
