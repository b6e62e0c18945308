/**
 * Settings that belong to the desktop app rather than the homeserver's config file (start at login). The
 * Electron main process implements this and hands it to the core; in a plain `serve` there is none, and the
 * settings page says the setting is only available in the desktop app.
 */
export interface DesktopIntegration {
  startAtLogin(): boolean;
  /** Persists the choice and registers (or unregisters) the app with the OS. */
  setStartAtLogin(enabled: boolean): void;
  /** Federation was paused or resumed (from the UI or the tray): the tray shows it. */
  federationPausedChanged?(paused: boolean): void;
}
