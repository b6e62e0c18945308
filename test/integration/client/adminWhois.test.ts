/** `GET /admin/whois/{userId}` over real HTTP: for the user themself and for server admins, spec-validated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi, encodePathPart as enc } from '../../support/clientApi.ts';

interface Whois {
  user_id: string;
  devices: Record<string, { sessions: { connections: { ip?: string; last_seen?: number; user_agent?: string }[] }[] }>;
}

test('whois lists the devices of yourself, or of anyone for a server admin', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const carol = await createLoggedInUser(hs, 'carol');
  const admin = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'admin', 'password', true));

  const own = await alice.ok<Whois>('GET', `/_matrix/client/v3/admin/whois/${enc(alice.userId)}`);
  assert.equal(own.user_id, alice.userId);
  // Nothing records connections yet: each device is one session without connections.
  assert.deepEqual(own.devices, { [alice.user.deviceId]: { sessions: [{ connections: [] }] } });

  const seen = await admin.ok<Whois>('GET', `/_matrix/client/v3/admin/whois/${enc(alice.userId)}`);
  assert.deepEqual(seen, own);
  assert.deepEqual(Object.keys((await admin.ok<Whois>('GET', `/_matrix/client/v3/admin/whois/${enc(carol.userId)}`)).devices), [carol.deviceId]);

  // A device's last-seen record, when there is one, is its session's connection.
  hs.homeserver.storage.stores.devices.recordLastSeen(alice.userId, alice.user.deviceId, 1_700_000_000_000, '127.0.0.1', 'curl/8');
  const withConnection = await alice.ok<Whois>('GET', `/_matrix/client/v3/admin/whois/${enc(alice.userId)}`);
  assert.deepEqual(withConnection.devices[alice.user.deviceId]?.sessions, [{ connections: [{ ip: '127.0.0.1', last_seen: 1_700_000_000_000, user_agent: 'curl/8' }] }]);
});

test('whois refuses other users to non-admins, and bad, remote or unknown users', async (t) => {
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const admin = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'admin', 'password', true));
  await bob.fails('GET', `/_matrix/client/v3/admin/whois/${enc(alice.userId)}`, undefined, 403, 'M_FORBIDDEN');
  // Not even whether a user exists is told to non-admins.
  await bob.fails('GET', `/_matrix/client/v3/admin/whois/${enc('@nobody:hs.test')}`, undefined, 403, 'M_FORBIDDEN');
  await admin.fails('GET', `/_matrix/client/v3/admin/whois/${enc('@nobody:hs.test')}`, undefined, 404, 'M_NOT_FOUND');
  await admin.fails('GET', `/_matrix/client/v3/admin/whois/${enc('@someone:elsewhere.test')}`, undefined, 400, 'M_INVALID_PARAM');
  await admin.fails('GET', `/_matrix/client/v3/admin/whois/not-a-user`, undefined, 400, 'M_INVALID_PARAM');
  const anonymous = await alice.call('GET', `/_matrix/client/v3/admin/whois/${enc(alice.userId)}`, undefined, { noAuth: true });
  assert.deepEqual([anonymous.status, (anonymous.body as { errcode: string }).errcode], [401, 'M_MISSING_TOKEN']);
});
