/** The rooms page: every room with its name, member counts and last activity; refreshed live as events arrive. */
import { useEffect } from 'preact/hooks';
import type { AdminClient } from '../api/adminClient.ts';
import type { LiveUpdates } from '../api/liveUpdates.ts';
import { formatTime } from '../format.ts';
import { useAdminData, useThrottled } from '../useAdminData.ts';

export function RoomsPage({ client, live }: { client: AdminClient; live: LiveUpdates }) {
  const rooms = useAdminData(() => client.call('GET /rooms'), [client]);
  const refresh = useThrottled(rooms.reload, 500);
  useEffect(() => live.subscribe((update) => update.type === 'room_events' && refresh()), [live, refresh]);

  return (
    <section>
      <h1>Rooms</h1>
      {rooms.error ? <p class="error">{rooms.error}</p> : null}
      {rooms.data === null ? (
        <p class="muted">Loading…</p>
      ) : rooms.data.rooms.length === 0 ? (
        <p class="muted" data-testid="no-rooms">This server is in no rooms yet.</p>
      ) : (
        <table data-testid="rooms-table">
          <thead>
            <tr>
              <th>Room</th>
              <th class="num">Joined</th>
              <th class="num">Invited</th>
              <th>Last activity</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rooms.data.rooms.map((room) => (
              <tr key={room.room_id} data-testid="room-row" data-room-id={room.room_id}>
                <td>
                  <a href={`#/rooms/${encodeURIComponent(room.room_id)}`} data-testid="room-name">
                    {room.display_name}
                  </a>
                  <div class="muted small">{room.topic ?? room.room_id}</div>
                </td>
                <td class="num" data-testid="room-joined">{room.joined_members}</td>
                <td class="num" data-testid="room-invited">{room.invited_members}</td>
                <td>{formatTime(room.last_activity_ts)}</td>
                <td>
                  {room.encrypted ? <span class="badge">encrypted</span> : null}
                  {room.is_public ? <span class="badge">public</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
