/** The app shell: navigation between the four pages (hash routes, so any static server can serve the build) and the live-connection indicator. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { AdminClient } from './api/adminClient.ts';
import { LiveUpdates } from './api/liveUpdates.ts';
import { RoomsPage } from './pages/roomsPage.tsx';
import { RoomDetailPage } from './pages/roomDetailPage.tsx';
import { DevicesPage } from './pages/devicesPage.tsx';
import { HealthPage } from './pages/healthPage.tsx';
import { SettingsPage } from './pages/settingsPage.tsx';

const PAGES = [
  { path: 'rooms', label: 'Rooms' },
  { path: 'devices', label: 'Device lists' },
  { path: 'health', label: 'Server health' },
  { path: 'settings', label: 'Settings' },
] as const;

function currentRoute(): string[] {
  const parts = window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return parts.length > 0 ? parts : ['rooms'];
}

export function App({ token }: { token: string }) {
  const client = useMemo(() => new AdminClient(token), [token]);
  const live = useMemo(() => new LiveUpdates(token), [token]);
  const [route, setRoute] = useState(currentRoute);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    const stopListening = live.onConnection(setConnected);
    live.start();
    return () => {
      stopListening();
      live.stop();
    };
  }, [live]);

  const [page, detail] = route;
  return (
    <div class="shell">
      <nav>
        <div class="brand">Hearth</div>
        {PAGES.map((p) => (
          <a key={p.path} href={`#/${p.path}`} class={page === p.path ? 'active' : ''} data-testid={`nav-${p.path}`}>
            {p.label}
          </a>
        ))}
        <div class={`live ${connected ? 'on' : 'off'}`} data-testid="live-indicator" title="Live updates">
          {connected ? '● live' : '○ offline'}
        </div>
      </nav>
      <main>
        {page === 'rooms' && detail ? <RoomDetailPage client={client} live={live} roomId={detail} /> : null}
        {page === 'rooms' && !detail ? <RoomsPage client={client} live={live} /> : null}
        {page === 'devices' ? <DevicesPage client={client} live={live} /> : null}
        {page === 'health' ? <HealthPage client={client} live={live} /> : null}
        {page === 'settings' ? <SettingsPage client={client} /> : null}
        {!PAGES.some((p) => p.path === page) ? <p>Unknown page.</p> : null}
      </main>
    </div>
  );
}

export function MissingToken() {
  return (
    <div class="shell single">
      <main>
        <h1>Hearth</h1>
        <p data-testid="missing-token">
          This page needs the server's admin token. Start the server with <code>npm run server -- serve --admin-token-file FILE</code> and open{' '}
          <code>/_desktop/#token=&lt;the token in FILE&gt;</code>, or use the desktop app.
        </p>
      </main>
    </div>
  );
}
