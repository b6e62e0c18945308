/**
 * /sync on an instance that is not the events writer: it learns of new events only from the events stream
 * position that replication advances, and that alone must wake its long-polls.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../../../core/config/configLoader.ts';
import { Homeserver } from '../../../core/homeserver.ts';
import { Logger } from '../../../core/logging/logger.ts';
import { registerLocalUser } from '../../../core/handlers/accounts/localUserRegistration.ts';
import { tempDir } from '../../support/tempDir.ts';
import { TEST_PASSWORD_COST, type LoggedInUser, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { request } from '../../support/httpClient.ts';
import { bodies, createRoom, join, message, sync } from './syncTestKit.ts';

async function start(t: TestContext, dataDir: string, overrides: Record<string, unknown>): Promise<RunningHomeserver> {
  const config = buildConfig({ server_name: 'hs.test', log_level: 'error', ...overrides }, { data_dir: dataDir, host: '127.0.0.1', port: 0 });
  const homeserver = Homeserver.open({ config, log: new Logger('error'), passwordCost: TEST_PASSWORD_COST });
  const address = await homeserver.listen();
  t.after(() => homeserver.stop());
  return { homeserver, baseUrl: `http://127.0.0.1:${address.port}` };
}

async function login(hs: RunningHomeserver, localpart: string): Promise<LoggedInUser> {
  const userId = await registerLocalUser(
    { serverName: 'hs.test', users: hs.homeserver.storage.stores.users, passwordCost: TEST_PASSWORD_COST },
    { localpart, password: 'pw', admin: false },
  );
  const res = await request(hs.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', user: localpart, password: 'pw' } });
  assert.equal(res.status, 200, res.text);
  const body = res.body as { access_token: string; device_id: string };
  return { userId, accessToken: body.access_token, deviceId: body.device_id };
}

test('a long-poll on a non-writer instance is woken by an event the writer persists', { timeout: 25_000 }, async (t) => {
  const dir = tempDir(t);
  const writer = await start(t, dir, { instance_map: { main: { host: '127.0.0.1', port: 0 } } });
  const worker = await start(t, dir, {
    instance_name: 'worker1',
    instance_map: { main: { host: '127.0.0.1', port: writer.homeserver.replicationListenerAddress!.port } },
  });
  const alice = await login(writer, 'alice');
  const bob = await login(worker, 'bob');
  const roomId = await createRoom(writer, alice.userId);
  await join(writer, roomId, bob.userId);
  await message(writer, roomId, alice.userId, 'before');
  while (worker.homeserver.eventsPosition.current() < writer.homeserver.eventsPosition.current()) await new Promise((r) => setTimeout(r, 5));

  const first = await sync(worker, bob);
  assert.deepEqual(bodies(first.rooms.join[roomId]!.timeline.events), ['before']);
  const waiting = sync(worker, bob, { since: first.next_batch, timeout: 30_000 });
  while (worker.homeserver.notifier.listenerCount < 1) await new Promise((r) => setTimeout(r, 5));
  await message(writer, roomId, alice.userId, 'from the writer');
  const body = await waiting;
  assert.deepEqual(bodies(body.rooms.join[roomId]!.timeline.events), ['from the writer']);
});
