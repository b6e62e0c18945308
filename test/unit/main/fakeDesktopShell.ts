/** A DesktopShell made of plain objects that record what the app asked for, so main's logic runs without Electron. */
import type { DesktopShell, DesktopTray, DesktopWindow, IpcSender, MenuItemSpec, QuitEvent, WindowOptions } from '../../../main/desktopShell.ts';

export class FakeWindow implements DesktopWindow {
  readonly loaded: string[] = [];
  shown = 0;
  focused = 0;
  restored = 0;
  minimized = false;
  destroyed = false;
  private readonly closedListeners: (() => void)[] = [];

  constructor(readonly options: WindowOptions) {}

  get currentUrl(): string | undefined {
    return this.loaded.at(-1);
  }
  async loadUrl(url: string): Promise<void> {
    this.loaded.push(url);
  }
  async loadFile(path: string): Promise<void> {
    this.loaded.push(`file://${path}`);
  }
  show(): void {
    this.shown++;
  }
  focus(): void {
    this.focused++;
  }
  restore(): void {
    this.restored++;
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroyed = true;
    for (const listener of this.closedListeners) listener();
  }
  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }
}

export class FakeTray implements DesktopTray {
  tooltip = '';
  menu: readonly MenuItemSpec[] = [];
  destroyed = false;
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setMenu(items: readonly MenuItemSpec[]): void {
    this.menu = items;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Clicks the menu item whose label matches. */
  click(label: RegExp): void {
    const item = this.menu.find((i) => i.label !== undefined && label.test(i.label));
    if (!item?.click) throw new Error(`no clickable tray item ${label}`);
    if (item.enabled === false) throw new Error(`tray item ${item.label} is disabled`);
    item.click();
  }
  labels(): string[] {
    return this.menu.flatMap((i) => (i.label === undefined ? [] : [i.label]));
  }
}

export class FakeShell implements DesktopShell {
  lockAvailable = true;
  readonly windows: FakeWindow[] = [];
  readonly trays: FakeTray[] = [];
  clipboard: string | null = null;
  readonly openAtLogin: boolean[] = [];
  readonly errors: { title: string; message: string }[] = [];
  readonly events: string[] = [];
  quitCalls = 0;
  exitCode: number | null = null;
  private readonly secondInstance: (() => void)[] = [];
  private readonly beforeQuit: ((event: QuitEvent) => void)[] = [];
  private readonly handlers = new Map<string, (sender: IpcSender, ...args: unknown[]) => unknown>();
  private readonly syncHandlers = new Map<string, (sender: IpcSender) => unknown>();
  private readonly exited: (() => void)[] = [];

  constructor(private readonly userData: string) {}

  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }
  onSecondInstance(listener: () => void): void {
    this.secondInstance.push(listener);
  }
  async whenReady(): Promise<void> {}
  userDataPath(): string {
    return this.userData;
  }
  createWindow(options: WindowOptions): FakeWindow {
    const window = new FakeWindow(options);
    this.windows.push(window);
    return window;
  }
  createTray(): FakeTray {
    const tray = new FakeTray();
    this.trays.push(tray);
    return tray;
  }
  writeClipboard(text: string): void {
    this.clipboard = text;
  }
  setOpenAtLogin(openAtLogin: boolean): void {
    this.openAtLogin.push(openAtLogin);
  }
  showError(title: string, message: string): void {
    this.errors.push({ title, message });
  }
  handleIpc(channel: string, handler: (sender: IpcSender, ...args: unknown[]) => unknown): void {
    this.handlers.set(channel, handler);
  }
  answerIpcSync(channel: string, handler: (sender: IpcSender) => unknown): void {
    this.syncHandlers.set(channel, handler);
  }
  onBeforeQuit(listener: (event: QuitEvent) => void): void {
    this.beforeQuit.push(listener);
  }
  onWindowAllClosed(): void {}
  /** Like Electron: before-quit listeners may prevent the quit; otherwise the process ends. */
  quit(): void {
    this.quitCalls++;
    let prevented = false;
    for (const listener of this.beforeQuit) listener({ preventDefault: () => (prevented = true) });
    this.events.push(prevented ? 'quit-prevented' : 'quit');
    if (!prevented) this.exit(0);
  }
  exit(code: number): void {
    this.events.push('exit');
    this.exitCode = code;
    for (const listener of this.exited) listener();
  }

  // ---- test helpers ----
  launchSecondInstance(): void {
    for (const listener of this.secondInstance) listener();
  }
  invoke(channel: string, senderUrl: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return Promise.resolve().then(() => handler({ url: senderUrl }, ...args));
  }
  sendSync(channel: string, senderUrl: string): unknown {
    return this.syncHandlers.get(channel)!({ url: senderUrl });
  }
  get window(): FakeWindow {
    return this.windows.at(-1)!;
  }
  get tray(): FakeTray {
    return this.trays.at(-1)!;
  }
  whenExited(): Promise<void> {
    return this.exitCode !== null ? Promise.resolve() : new Promise((resolve) => this.exited.push(resolve));
  }
}
