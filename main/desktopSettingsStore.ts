/**
 * The desktop app's own settings (not the homeserver's, which live in homeserver.yaml): start at login and who
 * the owner is (set once the first run created the account). A small JSON file in the app-data folder,
 * replaced atomically so a crash never leaves half a file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DesktopSettings {
  readonly startAtLogin: boolean;
  /** The owner's user ID once the first run created the account; null before. */
  readonly ownerUserId: string | null;
}

export const DESKTOP_SETTINGS_FILE = 'desktop-settings.json';
const DEFAULTS: DesktopSettings = { startAtLogin: false, ownerUserId: null };

export class DesktopSettingsStore {
  readonly path: string;
  private current: DesktopSettings;

  constructor(userDataPath: string) {
    this.path = join(userDataPath, DESKTOP_SETTINGS_FILE);
    this.current = this.read();
  }

  get(): DesktopSettings {
    return this.current;
  }

  update(change: Partial<DesktopSettings>): DesktopSettings {
    this.current = { ...this.current, ...change };
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.current, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
    return this.current;
  }

  private read(): DesktopSettings {
    if (!existsSync(this.path)) return DEFAULTS;
    try {
      const raw = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<Record<keyof DesktopSettings, unknown>>;
      return {
        startAtLogin: raw.startAtLogin === true,
        ownerUserId: typeof raw.ownerUserId === 'string' ? raw.ownerUserId : null,
      };
    } catch {
      // A damaged file is not worth refusing to start over: defaults, and the next save repairs it.
      return DEFAULTS;
    }
  }
}
