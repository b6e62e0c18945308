/**
 * Where the renderer gets the admin token: from the Electron preload bridge (`window.hearth.token`), or in a
 * browser from the URL it was opened with (`/_desktop/#token=...` or `?token=...`). A token from the URL is
 * kept in sessionStorage (it survives reloads of this tab only) and taken out of the address bar.
 */
import type { HearthDesktopBridge } from '../../../core/http/admin/desktopBridgeTypes.ts';

declare global {
  interface Window {
    hearth?: HearthDesktopBridge;
  }
}

const STORAGE_KEY = 'hearth.adminToken';

export function desktopBridge(): HearthDesktopBridge | null {
  return window.hearth ?? null;
}

export function findAdminToken(): string | null {
  const bridged = desktopBridge()?.token;
  if (bridged) return bridged;
  const hash = new URLSearchParams(window.location.hash.replace(/^#\/?/, ''));
  const query = new URLSearchParams(window.location.search);
  const fromUrl = hash.get('token') ?? query.get('token');
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    query.delete('token');
    const search = query.toString();
    history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}#/rooms`);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}
