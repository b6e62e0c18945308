/**
 * Pushing to gateways (Push Gateway API) with a tiny gateway on loopback: a notifying event reaches each allowed
 * `http` pusher of the recipient in its format (full, or event_id_only) with counts, device data and tweaks; a
 * pusher on a host the config does not allow gets nothing, and neither does any with the default config; a
 * pushkey the gateway rejects loses its pusher.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLoggedInUser, startTestHomeserver, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { eventually } from '../../support/federatedServers.ts';

interface Notification {
  event_id: string;
  room_id: string;
  prio: string;
  counts: { unread: number };
  devices: { app_id: string; pushkey: string; data: Record<string, unknown>; tweaks: Record<string, unknown> }[];
  [field: string]: unknown;
}

/** A push gateway that records what it is sent and rejects the pushkeys in `rejecting`. */
async function startGateway(t: { after: (fn: () => void) => void }): Promise<{ port: number; received: Notification[]; rejecting: Set<string> }> {
  const received: Notification[] = [];
  const rejecting = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/_matrix/push/v1/notify');
      const { notification } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { notification: Notification };
      received.push(notification);
      const rejected = notification.devices.map((d) => d.pushkey).filter((key) => rejecting.has(key));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ rejected }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, received, rejecting };
}

async function settle(hs: RunningHomeserver): Promise<void> {
  await hs.homeserver.handlers.pushActionsRecorder?.flush();
  await hs.homeserver.handlers.pushGateways.flush();
}

function pusher(pushkey: string, url: string, data: Record<string, unknown> = {}) {
  return { pushkey, kind: 'http', app_id: `im.${pushkey}`, app_display_name: 'App', device_display_name: 'Phone', lang: 'en', data: { url, ...data } };
}

test('notifications go to allowed gateways, full or event_id_only, with counts, device data and tweaks', async (t) => {
  const gateway = await startGateway(t);
  const hs = await startTestHomeserver(t, { push: { gateway_hosts: ['127.0.0.1'] } });
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const room = await alice.createRoom({ preset: 'private_chat', name: 'Pushy', invite: [bob.userId] });
  await bob.join(room);
  const notify = `http://127.0.0.1:${gateway.port}/_matrix/push/v1/notify`;
  await bob.ok('POST', '/_matrix/client/v3/pushers/set', pusher('full', notify, { extra: 'kept' }));
  await bob.ok('POST', '/_matrix/client/v3/pushers/set', pusher('ids', notify, { format: 'event_id_only' }));
  // Same gateway, but named by a host the config does not list.
  await bob.ok('POST', '/_matrix/client/v3/pushers/set', pusher('elsewhere', `http://localhost:${gateway.port}/_matrix/push/v1/notify`));

  const eventId = await alice.text(room, 'hello there');
  await eventually(() => gateway.received.length >= 2, 'two notifications');
  await settle(hs);
  assert.equal(gateway.received.length, 2, 'one per allowed pusher');
  const full = gateway.received.find((n) => n.devices[0]!.pushkey === 'full')!;
  const ids = gateway.received.find((n) => n.devices[0]!.pushkey === 'ids')!;
  // A message in a room of two: the one-to-one rule, with a sound, so high priority.
  const tweaks = { sound: 'default' };
  assert.deepEqual(full, {
    event_id: eventId,
    room_id: room,
    prio: 'high',
    counts: { unread: 1 },
    devices: [{ app_id: 'im.full', pushkey: 'full', data: { extra: 'kept' }, tweaks }],
    type: 'm.room.message',
    sender: alice.userId,
    content: { msgtype: 'm.text', body: 'hello there' },
    sender_display_name: 'alice',
    room_name: 'Pushy',
  });
  assert.deepEqual(ids, { event_id: eventId, room_id: room, prio: 'high', counts: { unread: 1 }, devices: [{ app_id: 'im.ids', pushkey: 'ids', data: { format: 'event_id_only' }, tweaks }] });

  // The badge counts rooms with unread notifications; the sender gets nothing for their own message.
  // An invite notifies its target (the full format says so).
  const other = await alice.createRoom({ preset: 'private_chat', invite: [bob.userId] });
  await eventually(() => gateway.received.length >= 4, 'the invite');
  const invite = gateway.received.slice(2).find((n) => n.devices[0]!.pushkey === 'full')!;
  assert.equal(invite.type, 'm.room.member');
  assert.equal(invite.user_is_target, true);
  assert.deepEqual(invite.counts, { unread: 1 });
  await bob.join(other);
  await bob.text(other, 'from bob: nobody is pushed');
  await alice.text(other, 'second room');
  await eventually(() => gateway.received.length >= 6, 'two more notifications');
  await settle(hs);
  assert.equal(gateway.received.length, 6);
  assert.deepEqual(gateway.received.slice(4).map((n) => n.counts.unread), [2, 2]);

  // A pushkey the gateway rejects: its pusher is removed, the others stay.
  gateway.rejecting.add('ids');
  await alice.text(room, 'third');
  await eventually(() => gateway.received.length >= 8, 'two more notifications');
  await settle(hs);
  const left = (await bob.ok<{ pushers: { pushkey: string }[] }>('GET', '/_matrix/client/v3/pushers')).pushers.map((p) => p.pushkey);
  assert.deepEqual(left.sort(), ['elsewhere', 'full']);
});

test('with the default config nothing is sent: pushers are stored only', async (t) => {
  const gateway = await startGateway(t);
  const hs = await startTestHomeserver(t);
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const room = await alice.createRoom({ preset: 'private_chat', invite: [bob.userId] });
  await bob.join(room);
  await bob.ok('POST', '/_matrix/client/v3/pushers/set', pusher('full', `http://127.0.0.1:${gateway.port}/_matrix/push/v1/notify`));
  await alice.text(room, 'hello bob');
  await settle(hs);
  // The notifications (the invite, the message) were recorded for bob to read, just not pushed.
  const listed = await bob.ok<{ notifications: unknown[] }>('GET', '/_matrix/client/v3/notifications');
  assert.equal(listed.notifications.length, 2);
  assert.deepEqual(gateway.received, []);
});
