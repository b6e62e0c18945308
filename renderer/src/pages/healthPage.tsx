/**
 * Server health: uptime, database size, counts, cache hit ratios, federation queues, the relay, recent
 * problems, and the live events/s chart. Health ticks from the live stream move the numbers and the chart
 * every second; the full overview is re-read every few ticks.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AdminClient } from '../api/adminClient.ts';
import type { LiveUpdates } from '../api/liveUpdates.ts';
import type { EventRateSample, HealthTick } from '../../../core/http/admin/adminApiTypes.ts';
import { EventsChart } from '../components/eventsChart.tsx';
import { formatBytes, formatDuration, formatRatio, formatTime } from '../format.ts';
import { useAdminData } from '../useAdminData.ts';

const FULL_REFRESH_EVERY_TICKS = 5;
const CHART_SAMPLES = 60;

export function HealthPage({ client, live }: { client: AdminClient; live: LiveUpdates }) {
  const overview = useAdminData(() => client.call('GET /overview'), [client]);
  const [tick, setTick] = useState<HealthTick | null>(null);
  const [samples, setSamples] = useState<EventRateSample[]>([]);
  const [pauseError, setPauseError] = useState<string | null>(null);

  useEffect(() => {
    if (overview.data && samples.length === 0) setSamples([...overview.data.event_rate]);
  }, [overview.data]);

  useEffect(() => {
    let ticks = 0;
    return live.subscribe((update) => {
      if (update.type !== 'health') return;
      setTick(update.tick);
      setSamples((previous) => [...previous, { ts: update.tick.ts, events_per_second: update.tick.events_per_second }].slice(-CHART_SAMPLES));
      if (++ticks % FULL_REFRESH_EVERY_TICKS === 0) overview.reload();
    });
  }, [live, overview.reload]);

  if (overview.error && !overview.data) return <p class="error">{overview.error}</p>;
  if (!overview.data) return <p class="muted">Loading…</p>;
  const o = overview.data;
  const counts = tick?.counts ?? o.counts;
  const setPaused = (paused: boolean) => {
    client.call('PUT /federation/paused', { body: { paused } }).then(
      () => {
        setPauseError(null);
        overview.reload();
      },
      (e: Error) => setPauseError(e.message),
    );
  };

  return (
    <section>
      <h1>Server health</h1>
      <p class="muted">
        {o.server_name} · version {o.version} · clients connect to <code data-testid="homeserver-url">{o.homeserver_url}</code>
      </p>
      <div class="stats">
        <Stat label="Uptime" value={formatDuration(tick?.uptime_ms ?? o.uptime_ms)} testId="stat-uptime" />
        <Stat label="Database" value={formatBytes(o.database.size_bytes)} testId="stat-db-size" />
        <Stat label="Events" value={String(counts.events)} testId="stat-events" />
        <Stat label="Rooms" value={String(counts.rooms)} testId="stat-rooms" />
        <Stat label="Users" value={String(counts.users)} testId="stat-users" />
        <Stat label="Cache hit ratio" value={formatRatio(o.cache_totals.hit_ratio)} testId="stat-cache-ratio" />
      </div>
      <EventsChart samples={samples} />

      <h2>Federation</h2>
      <p data-testid="federation-status">
        {o.federation.enabled ? (o.federation.paused ? 'paused' : 'running') : 'not on this instance'}
        {o.federation.listener ? ` · listening on ${o.federation.listener}` : ' · no public listener'}{' '}
        {o.federation.enabled ? (
          <button type="button" onClick={() => setPaused(!o.federation.paused)} data-testid="federation-toggle">
            {o.federation.paused ? 'Resume federation' : 'Pause federation'}
          </button>
        ) : null}
      </p>
      {o.federation.enabled && o.federation.paused ? (
        <p class="warning" data-testid="federation-paused-note">
          Paused: nothing is sent to other servers. Messages, receipts, typing, presence and to-device messages wait in the
          queue below until you resume.{' '}
          {o.federation.pause_saved ? 'It stays paused after a restart.' : 'This server has no config file, so a restart resumes it.'}
        </p>
      ) : null}
      {pauseError ? <p class="error">{pauseError}</p> : null}
      {o.federation.destinations.length === 0 ? (
        <p class="muted">No queued transactions.</p>
      ) : (
        <table data-testid="federation-queues">
          <thead>
            <tr>
              <th>Destination</th>
              <th class="num">Pending</th>
              <th>Failing since</th>
              <th class="num">Retry in</th>
            </tr>
          </thead>
          <tbody>
            {o.federation.destinations.map((d) => (
              <tr key={d.destination}>
                <td>{d.destination}</td>
                <td class="num">{d.pending}</td>
                <td>{formatTime(d.failing_since)}</td>
                <td class="num">{formatDuration(d.retry_interval_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Relay</h2>
      <p data-testid="relay-status" data-connection={o.relay.connection}>
        {o.relay.summary}
        {o.relay.url ? ` · ${o.relay.url}` : ''}
        {o.relay.last_error ? ` · last error: ${o.relay.last_error}` : ''}
      </p>
      {o.relay.configured ? (
        <p class="muted" data-testid="relay-mailbox">
          Mailbox: <span data-testid="relay-mailbox-pending">{o.relay.mailbox_pending ?? 'unknown'}</span> waiting ·{' '}
          <span data-testid="relay-mailbox-collected">{o.relay.mailbox_collected ?? 0}</span> collected since start · last emptied{' '}
          <span data-testid="relay-mailbox-last-pull">{formatTime(o.relay.last_pull_ts)}</span>
          {o.relay.last_connected_ts !== null ? ` · tunnel last connected ${formatTime(o.relay.last_connected_ts)}` : ''}
        </p>
      ) : null}

      <h2>Caches</h2>
      <table data-testid="caches">
        <thead>
          <tr>
            <th>Cache</th>
            <th class="num">Hits</th>
            <th class="num">Misses</th>
            <th class="num">Hit ratio</th>
            <th class="num">Entries</th>
          </tr>
        </thead>
        <tbody>
          {o.caches.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td class="num">{c.hits}</td>
              <td class="num">{c.misses}</td>
              <td class="num">{formatRatio(c.hit_ratio)}</td>
              <td class="num">
                {c.size} / {c.max_entries}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Recent problems</h2>
      {o.recent_problems.length === 0 ? (
        <p class="muted" data-testid="no-problems">No warnings or errors.</p>
      ) : (
        <ul class="problems" data-testid="problems">
          {[...o.recent_problems].reverse().map((p, i) => (
            <li key={i} class={p.level}>
              <span class="muted small">{formatTime(p.ts)}</span> [{p.scope}] {p.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div class="stat">
      <div class="muted small">{label}</div>
      <div class="value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}
