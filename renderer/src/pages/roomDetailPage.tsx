/** One room, read-only: its latest timeline and its current state. */
import { useEffect } from 'preact/hooks';
import type { AdminRoomEvent } from '../../../core/http/admin/adminApiTypes.ts';
import type { AdminClient } from '../api/adminClient.ts';
import type { LiveUpdates } from '../api/liveUpdates.ts';
import { formatTime } from '../format.ts';
import { useAdminData, useThrottled } from '../useAdminData.ts';

export function RoomDetailPage({ client, live, roomId }: { client: AdminClient; live: LiveUpdates; roomId: string }) {
  const room = useAdminData(() => client.call('GET /rooms/{roomId}', { params: { roomId } }), [client, roomId]);
  const refresh = useThrottled(room.reload, 500);
  useEffect(() => live.subscribe((update) => update.type === 'room_events' && update.room_ids.includes(roomId) && refresh()), [live, roomId, refresh]);

  if (room.error) return <p class="error">{room.error}</p>;
  if (!room.data) return <p class="muted">Loading…</p>;
  const { room: summary, timeline, state } = room.data;
  return (
    <section>
      <p>
        <a href="#/rooms">← Rooms</a>
      </p>
      <h1 data-testid="room-title">{summary.display_name}</h1>
      <p class="muted">
        {summary.room_id} · room version {summary.room_version ?? '?'} · {summary.joined_members} joined, {summary.invited_members} invited
      </p>
      <h2>Timeline (latest {timeline.length})</h2>
      <ol class="timeline" data-testid="room-timeline">
        {timeline.map((event) => (
          <li key={event.event_id}>
            <span class="muted small">{formatTime(event.origin_server_ts)}</span> <strong>{event.sender}</strong> <code>{event.type}</code> {describe(event)}
          </li>
        ))}
      </ol>
      <h2>Current state ({state.length})</h2>
      <table data-testid="room-state">
        <thead>
          <tr>
            <th>Type</th>
            <th>State key</th>
            <th>Content</th>
          </tr>
        </thead>
        <tbody>
          {state.map((event) => (
            <tr key={event.event_id}>
              <td>
                <code>{event.type}</code>
              </td>
              <td>{event.state_key}</td>
              <td>
                <code class="json">{JSON.stringify(event.content)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function describe(event: AdminRoomEvent): string {
  const body = event.content.body;
  if (typeof body === 'string') return body;
  if (event.type === 'm.room.member') return `${event.state_key ?? ''} → ${String(event.content.membership ?? '')}`;
  if (event.type === 'm.room.name') return String(event.content.name ?? '');
  return '';
}
