/**
 * Everything the desktop app needs from Electron, behind small interfaces, so that the app's logic
 * (desktopApp.ts) is tested without Electron: electronShell.ts implements them with the real APIs, the unit
 * tests with plain objects.
 */

export interface MenuItemSpec {
  readonly label?: string;
  readonly type?: 'normal' | 'separator';
  readonly enabled?: boolean;
  readonly click?: () => void;
}

export interface WindowOptions {
  readonly title: string;
  readonly width: number;
  readonly height: number;
  /** The preload script (contextIsolation on, nodeIntegration off, sandboxed). */
  readonly preloadPath: string;
}

export interface DesktopWindow {
  loadUrl(url: string): Promise<void>;
  loadFile(path: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  close(): void;
  onClosed(listener: () => void): void;
}

export interface DesktopTray {
  setToolTip(text: string): void;
  setMenu(items: readonly MenuItemSpec[]): void;
  destroy(): void;
}

/** Who sent an IPC message: the URL of the frame, so handlers answer only the pages they are meant for. */
export interface IpcSender {
  readonly url: string;
}

export interface QuitEvent {
  preventDefault(): void;
}

export interface DesktopShell {
  /** False when another instance of the app holds the lock (this one must quit). */
  requestSingleInstanceLock(): boolean;
  onSecondInstance(listener: () => void): void;
  whenReady(): Promise<void>;
  /** The per-user app-data folder (Electron's `userData`). */
  userDataPath(): string;
  createWindow(options: WindowOptions): DesktopWindow;
  createTray(iconPath: string): DesktopTray;
  writeClipboard(text: string): void;
  setOpenAtLogin(openAtLogin: boolean): void;
  showError(title: string, message: string): void;
  /** ipcMain.handle: the handler's (awaited) result goes back to the renderer's invoke. */
  handleIpc(channel: string, handler: (sender: IpcSender, ...args: unknown[]) => unknown): void;
  /** ipcMain.on with a synchronous answer (`event.returnValue`), for what the preload needs before the page runs. */
  answerIpcSync(channel: string, handler: (sender: IpcSender) => unknown): void;
  onBeforeQuit(listener: (event: QuitEvent) => void): void;
  onWindowAllClosed(listener: () => void): void;
  /** Asks the app to quit (runs before-quit). */
  quit(): void;
  /** Ends the process now, after our own cleanup. */
  exit(code: number): void;
}
