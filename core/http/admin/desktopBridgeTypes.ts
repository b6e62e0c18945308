/**
 * What the Electron preload script hands the renderer as `window.hearth` (type-only, shared by main/preload.ts
 * and the renderer). In a plain browser there is no bridge: the renderer takes its token from the URL.
 */

export interface FirstRunInfo {
  /** Fixed when the data directory already exists (then it cannot be chosen any more); null on a first start. */
  readonly fixed_server_name: string | null;
  readonly suggested_server_name: string;
  readonly suggested_username: string;
}

export interface FirstRunAnswer {
  readonly server_name: string;
  readonly username: string;
  readonly password: string;
}

export type FirstRunResult =
  | { readonly ok: true; readonly user_id: string }
  | { readonly ok: false; readonly field: 'server_name' | 'username' | 'password' | null; readonly error: string };

export interface HearthDesktopBridge {
  /** The admin API's per-launch bearer token; null in the first-run window, which does not talk to the API. */
  readonly token: string | null;
  /** Restarts the embedded server so saved settings take effect; the window then reloads on the new address. */
  restartServer(): Promise<void>;
  readonly firstRun: {
    info(): Promise<FirstRunInfo>;
    submit(answer: FirstRunAnswer): Promise<FirstRunResult>;
  };
}
