/** The tray icon's tooltip and menu for the app's current state: status, then the quick actions. */
import type { MenuItemSpec } from './desktopShell.ts';

export type ServerStatus = 'setup' | 'starting' | 'running' | 'stopping' | 'failed';

export interface TrayState {
  readonly status: ServerStatus;
  readonly homeserverUrl: string | null;
  /** Null when this server does not federate. */
  readonly federationPaused: boolean | null;
  readonly error: string | null;
}

export interface TrayActions {
  open(): void;
  copyHomeserverUrl(): void;
  toggleFederation(): void;
  quit(): void;
}

export function trayStatusText(state: TrayState): string {
  switch (state.status) {
    case 'setup':
      return 'Hearth: waiting for the first-run setup';
    case 'starting':
      return 'Hearth: starting…';
    case 'running':
      return `Hearth: running at ${state.homeserverUrl}${state.federationPaused ? ' (federation paused)' : ''}`;
    case 'stopping':
      return 'Hearth: stopping…';
    case 'failed':
      return `Hearth: not running (${state.error ?? 'unknown error'})`;
  }
}

export function trayMenu(state: TrayState, actions: TrayActions): MenuItemSpec[] {
  const running = state.status === 'running';
  return [
    { label: trayStatusText(state), enabled: false },
    { type: 'separator' },
    { label: 'Open Hearth', click: () => actions.open() },
    { label: 'Copy homeserver URL', enabled: running && state.homeserverUrl !== null, click: () => actions.copyHomeserverUrl() },
    {
      label: state.federationPaused ? 'Resume federation' : 'Pause federation',
      enabled: running && state.federationPaused !== null,
      click: () => actions.toggleFederation(),
    },
    { type: 'separator' },
    { label: 'Quit Hearth', click: () => actions.quit() },
  ];
}
