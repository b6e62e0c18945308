/** The IPC channels between the preload script and the main process. */
export const IPC_CHANNELS = {
  adminToken: 'hearth:admin-token',
  restartServer: 'hearth:restart-server',
  firstRunInfo: 'hearth:first-run-info',
  firstRunSubmit: 'hearth:first-run-submit',
} as const;
