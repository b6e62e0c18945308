/**
 * Device lists: each local account's devices with their keys and cross-signing verification, the account's
 * cross-signing keys, remote users' device lists as this server knows them, and the device-list stream
 * position; refreshed live on device-list changes.
 */
import { useEffect } from 'preact/hooks';
import type { DeviceVerificationState } from '../../../core/http/admin/adminApiTypes.ts';
import type { AdminClient } from '../api/adminClient.ts';
import type { LiveUpdates } from '../api/liveUpdates.ts';
import { formatTime, shortKey } from '../format.ts';
import { useAdminData, useThrottled } from '../useAdminData.ts';

const VERIFICATION_LABELS: Record<DeviceVerificationState, string> = {
  cross_signed: 'verified (cross-signed)',
  not_cross_signed: 'not verified',
  no_cross_signing: 'no cross-signing',
  no_keys: 'no keys uploaded',
  bad_signature: 'signature does not verify',
};

export function DevicesPage({ client, live }: { client: AdminClient; live: LiveUpdates }) {
  const lists = useAdminData(() => client.call('GET /devices'), [client]);
  const refresh = useThrottled(lists.reload, 300);
  useEffect(() => live.subscribe((update) => update.type === 'device_lists' && refresh()), [live, refresh]);

  if (lists.error) return <p class="error">{lists.error}</p>;
  if (!lists.data) return <p class="muted">Loading…</p>;
  const { local_users: users, remote_users: remote, stream_position: position } = lists.data;
  return (
    <section>
      <h1>Device lists</h1>
      <p>
        Device-list stream position: <strong data-testid="device-stream-position">{position}</strong>
      </p>
      {users.map((user) => (
        <article key={user.user_id} class="card" data-testid="local-user" data-user-id={user.user_id}>
          <h2>
            {user.user_id} {user.admin ? <span class="badge">owner</span> : null}
          </h2>
          <p class="small">
            Cross-signing: master <code>{user.cross_signing.master ? shortKey(user.cross_signing.master) : 'none'}</code>, self-signing{' '}
            <code>{user.cross_signing.self_signing ? shortKey(user.cross_signing.self_signing) : 'none'}</code>, user-signing{' '}
            <code>{user.cross_signing.user_signing ? shortKey(user.cross_signing.user_signing) : 'none'}</code>
          </p>
          <table>
            <thead>
              <tr>
                <th>Device</th>
                <th>Name</th>
                <th>Last seen</th>
                <th>Identity keys</th>
                <th>Verification</th>
              </tr>
            </thead>
            <tbody>
              {user.devices.map((device) => (
                <tr key={device.device_id} data-testid="device-row" data-device-id={device.device_id}>
                  <td>
                    <code>{device.device_id}</code>
                  </td>
                  <td>{device.display_name ?? '—'}</td>
                  <td>{formatTime(device.last_seen_ts)}</td>
                  <td class="small">
                    {Object.entries(device.identity_keys).map(([id, key]) => (
                      <div key={id}>
                        {id.split(':')[0]}: <code>{shortKey(key)}</code>
                      </div>
                    ))}
                  </td>
                  <td>
                    <span class={`badge ${device.verification}`} data-testid="device-verification">
                      {VERIFICATION_LABELS[device.verification]}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
      <h2>Remote users</h2>
      {remote.length === 0 ? (
        <p class="muted" data-testid="no-remote-devices">
          No remote device lists cached yet (they arrive over federation when you share rooms with users on other servers).
        </p>
      ) : (
        remote.map((user) => (
          <article key={user.user_id} class="card" data-testid="remote-user">
            <h3>{user.user_id}</h3>
            <p class="muted small">last stream ID: {user.stream_id ?? '—'}</p>
            <ul>
              {user.devices.map((device) => (
                <li key={device.device_id}>
                  <code>{device.device_id}</code> {device.display_name ?? ''}
                </li>
              ))}
            </ul>
          </article>
        ))
      )}
    </section>
  );
}
