/** The real DesktopShell: Electron's app, BrowserWindow, Tray, Menu, clipboard, dialog and ipcMain. */
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, nativeImage, Tray, shell as electronShell } from 'electron';
import type { DesktopShell, DesktopTray, DesktopWindow, MenuItemSpec, WindowOptions } from './desktopShell.ts';

function desktopWindow(options: WindowOptions): DesktopWindow {
  const window = new BrowserWindow({
    title: options.title,
    width: options.width,
    height: options.height,
    show: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  // Links to elsewhere (a room's URL, documentation) open in the user's browser, never inside the app window.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url)) void electronShell.openExternal(url);
    return { action: 'deny' };
  });
  return {
    loadUrl: (url) => window.loadURL(url),
    loadFile: (path) => window.loadFile(path),
    show: () => window.show(),
    focus: () => window.focus(),
    restore: () => window.restore(),
    isMinimized: () => window.isMinimized(),
    isDestroyed: () => window.isDestroyed(),
    close: () => window.close(),
    onClosed: (listener) => void window.on('closed', listener),
  };
}

function desktopTray(iconPath: string): DesktopTray {
  const tray = new Tray(nativeImage.createFromPath(iconPath));
  return {
    setToolTip: (text) => tray.setToolTip(text),
    setMenu: (items: readonly MenuItemSpec[]) =>
      tray.setContextMenu(
        Menu.buildFromTemplate(
          items.map((item) =>
            item.type === 'separator'
              ? { type: 'separator' as const }
              : { label: item.label ?? '', enabled: item.enabled ?? true, ...(item.click ? { click: item.click } : {}) },
          ),
        ),
      ),
    destroy: () => tray.destroy(),
  };
}

export function createElectronShell(): DesktopShell {
  return {
    requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
    onSecondInstance: (listener) => void app.on('second-instance', () => listener()),
    whenReady: () => app.whenReady(),
    userDataPath: () => app.getPath('userData'),
    createWindow: desktopWindow,
    createTray: desktopTray,
    writeClipboard: (text) => clipboard.writeText(text),
    setOpenAtLogin: (openAtLogin) => app.setLoginItemSettings({ openAtLogin }),
    showError: (title, message) => dialog.showErrorBox(title, message),
    handleIpc: (channel, handler) => ipcMain.handle(channel, (event, ...args: unknown[]) => handler({ url: event.senderFrame?.url ?? '' }, ...args)),
    answerIpcSync: (channel, handler) =>
      void ipcMain.on(channel, (event) => {
        event.returnValue = handler({ url: event.senderFrame?.url ?? '' });
      }),
    onBeforeQuit: (listener) => void app.on('before-quit', (event) => listener(event)),
    onWindowAllClosed: (listener) => void app.on('window-all-closed', () => listener()),
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
  };
}
