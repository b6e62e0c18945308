/**
 * Child process for the crash-safety test: persists messages into a few rooms as fast as it can and prints
 * `persisted <event_id>` the moment each persistence call returns. The parent kills it with SIGKILL.
 */
import { openDataDirectory } from '../../core/storage/dataDirectory.ts';
import { Storage } from '../../core/storage/storage.ts';
import { LocalEventPersister } from '../../core/storage/eventPersister.ts';
import { EventCreationHandler } from '../../core/handlers/events/eventCreationHandler.ts';
import { identicalStatesOnlyResolver } from '../../core/state/stateResolver.ts';

const dir = process.argv[2]!;
const dataDir = openDataDirectory(dir, { serverName: 'storm.test' });
const storage = new Storage({
  db: dataDir.db,
  serverName: 'storm.test',
  identity: { instanceName: 'main', eventsWriter: 'main' },
  stateResolver: identicalStatesOnlyResolver,
});
const handler = new EventCreationHandler(storage.stores, storage.stateController, new LocalEventPersister(storage.persistence!), {
  serverName: 'storm.test',
  signingKey: dataDir.signingKey,
});
const alice = '@alice:storm.test';

async function room(n: number): Promise<string> {
  const roomId = `!storm${n}:storm.test`;
  await handler.send({ roomId, sender: alice, type: 'm.room.create', stateKey: '', content: { room_version: '11' }, roomVersion: '11' });
  await handler.send({ roomId, sender: alice, type: 'm.room.member', stateKey: alice, content: { membership: 'join' } });
  return roomId;
}

async function storm(roomId: string, worker: number): Promise<never> {
  for (let i = 0; ; i++) {
    const sent = await handler.send({ roomId, sender: alice, type: 'm.room.message', content: { msgtype: 'm.text', body: `w${worker} #${i} ${'x'.repeat(200)}` } });
    process.stdout.write(`persisted ${sent.event.eventId}\n`);
  }
}

const rooms = await Promise.all([1, 2, 3].map(room));
process.stdout.write('ready\n');
await Promise.all(rooms.flatMap((roomId, r) => [storm(roomId, r * 2), storm(roomId, r * 2 + 1)]));
