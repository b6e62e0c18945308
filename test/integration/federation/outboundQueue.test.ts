/**
 * The outbound queue towards a server that cannot be reached: what waits for it is kept (in the database), is
 * sent as soon as that server shows it is back (any validly signed request from it ends our backoff), survives
 * a restart of our server, and arrives once and in order.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ClientApi } from '../../support/clientApi.ts';
import { startFederatedRoom } from '../../support/federatedRoom.ts';
import { eventually, restartFederatedServer, type FederatedServer } from '../../support/federatedServers.ts';

const UNREACHABLE = 'http://127.0.0.1:9';

const roomOnA = (t: TestContext) => startFederatedRoom(t, 'queue');

const pendingFor = (server: FederatedServer, destination: string) =>
  server.homeserver.federation!.outbox.countsByDestination().find((c) => c.destination === destination)?.pending ?? 0;

/** The bodies of the room's messages as bob's server shows them, oldest first. */
async function bodiesOnB(bob: ClientApi, roomId: string): Promise<string[]> {
  const page = await bob.messages(roomId, { dir: 'b', limit: 50 });
  return page.chunk
    .filter((e) => e.type === 'm.room.message')
    .map((e) => String(e.content.body))
    .reverse();
}

test('a server that comes back gets what waited for it at once, when its own request ends our backoff; in order, once', async (t) => {
  const { a, b, alice: aliceApi, bob, roomId } = await roomOnA(t);
  a.homeserver.federation!.resolver.setStatic('b.test', UNREACHABLE);
  for (let i = 1; i <= 5; i++) await aliceApi.text(roomId, `while away ${i}`);
  const outbox = a.homeserver.federation!.outbox;
  await eventually(() => outbox.retryState('b.test').retryLastTs !== null, 'A to fail to reach B');
  // A long backoff: without B's sign of life nothing would go for ten minutes.
  outbox.recordFailure('b.test', 600_000);
  a.homeserver.federation!.resolver.setStatic('b.test', b.federationUrl);
  assert.equal(pendingFor(a, 'b.test'), 5);

  await bob.text(roomId, 'anyone there?');
  await eventually(() => pendingFor(a, 'b.test') === 0, 'A to send what waited for B');
  await eventually(async () => (await bodiesOnB(bob, roomId)).includes('while away 5'), 'the messages on B');
  const bodies = await bodiesOnB(bob, roomId);
  assert.deepEqual(
    bodies.filter((body) => body.startsWith('while away')),
    [1, 2, 3, 4, 5].map((i) => `while away ${i}`),
  );
  assert.equal(outbox.retryState('b.test').retryLastTs, null, 'the backoff is over');
});

test('what waits for an unreachable server survives a restart of ours and arrives once, in order', async (t) => {
  const { a, b, alice: aliceApi, aliceLogin: alice, bob, roomId } = await roomOnA(t);
  a.homeserver.federation!.resolver.setStatic('b.test', UNREACHABLE);
  for (let i = 1; i <= 5; i++) await aliceApi.text(roomId, `before restart ${i}`);
  await eventually(() => pendingFor(a, 'b.test') === 5, 'five messages waiting for B');

  const restarted = await restartFederatedServer(t, a, [b]);
  await eventually(() => pendingFor(restarted, 'b.test') === 0, 'the restarted A to send them', 30_000);
  await eventually(async () => (await bodiesOnB(bob, roomId)).includes('before restart 5'), 'the messages on B');
  assert.deepEqual(
    (await bodiesOnB(bob, roomId)).filter((body) => body.startsWith('before restart')),
    [1, 2, 3, 4, 5].map((i) => `before restart ${i}`),
  );
  // The room goes on after the restart, both ways.
  const after = new ClientApi(restarted.baseUrl, alice);
  // (The queue had slept through a backoff: the next message must still start it.)
  await after.text(roomId, 'after restart');
  await eventually(async () => (await bodiesOnB(bob, roomId)).includes('after restart'), 'a new message on B');
  const reply = await bob.text(roomId, 'welcome back');
  await eventually(async () => (await restarted.homeserver.storage.stores.events.getEvent(reply)) !== null, 'bob’s reply on A');
});
