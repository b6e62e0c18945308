/** The health page's live events/s chart: a hand-drawn SVG line over the last minute of samples. */
import type { EventRateSample } from '../../../core/http/admin/adminApiTypes.ts';

const WIDTH = 600;
const HEIGHT = 140;
const PAD = { left: 40, right: 10, top: 10, bottom: 20 };

export function EventsChart({ samples }: { samples: readonly EventRateSample[] }) {
  const max = Math.max(1, ...samples.map((s) => s.events_per_second));
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = samples.length > 1 ? innerWidth / (samples.length - 1) : 0;
  const points = samples
    .map((s, i) => `${(PAD.left + i * step).toFixed(1)},${(PAD.top + innerHeight - (s.events_per_second / max) * innerHeight).toFixed(1)}`)
    .join(' ');
  const latest = samples.at(-1)?.events_per_second ?? 0;
  return (
    <figure class="chart" data-testid="events-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Events per second; now ${latest.toFixed(1)}`}>
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + innerHeight} class="axis" />
        <line x1={PAD.left} y1={PAD.top + innerHeight} x2={WIDTH - PAD.right} y2={PAD.top + innerHeight} class="axis" />
        <text x={PAD.left - 6} y={PAD.top + 8} class="tick" text-anchor="end">{formatMax(max)}</text>
        <text x={PAD.left - 6} y={PAD.top + innerHeight} class="tick" text-anchor="end">0</text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 4} class="tick" text-anchor="end">now</text>
        <text x={PAD.left} y={HEIGHT - 4} class="tick">−{samples.length}s</text>
        {samples.length > 1 ? <polyline points={points} class="line" /> : null}
      </svg>
      <figcaption>
        events/s now: <strong data-testid="events-per-second">{latest.toFixed(1)}</strong>
      </figcaption>
    </figure>
  );
}

function formatMax(max: number): string {
  return max >= 10 ? max.toFixed(0) : max.toFixed(1);
}
