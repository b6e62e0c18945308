/**
 * The preload script of the app's windows (bundled to build/app/preload.cjs; sandboxed, context-isolated).
 * It hands the page `window.hearth`: the admin API's per-launch token (answered by the main process only to
 * the UI served by the running core), a way to restart the server, and the first-run calls.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { FirstRunAnswer, FirstRunInfo, FirstRunResult, HearthDesktopBridge } from '../core/http/admin/desktopBridgeTypes.ts';
import { IPC_CHANNELS } from './ipcChannels.ts';

const token = ipcRenderer.sendSync(IPC_CHANNELS.adminToken) as string | null;

const bridge: HearthDesktopBridge = {
  token,
  restartServer: () => ipcRenderer.invoke(IPC_CHANNELS.restartServer) as Promise<void>,
  firstRun: {
    info: () => ipcRenderer.invoke(IPC_CHANNELS.firstRunInfo) as Promise<FirstRunInfo>,
    submit: (answer: FirstRunAnswer) => ipcRenderer.invoke(IPC_CHANNELS.firstRunSubmit, answer) as Promise<FirstRunResult>,
  },
};

contextBridge.exposeInMainWorld('hearth', bridge);
