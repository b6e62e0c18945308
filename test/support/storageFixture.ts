/**
 * A real storage stack on a temporary SQLite file, with an event creation handler to build rooms the way the
 * server does (prev events from the DAG, auth events from state, signed, auth-checked, persisted).
 */
import type { TestContext } from 'node:test';
import { openDataDirectory, type DataDirectory } from '../../core/storage/dataDirectory.ts';
import { Storage } from '../../core/storage/storage.ts';
import { LocalEventPersister } from '../../core/storage/eventPersister.ts';
import { EventCreationHandler, type NewEventRequest, type SentEvent } from '../../core/handlers/events/eventCreationHandler.ts';
import { identicalStatesOnlyResolver, type StateResolver } from '../../core/state/stateResolver.ts';
import type { JsonObject } from '../../core/crypto/canonicalJson.ts';
import { SigningKey } from '../../core/crypto/signingKey.ts';
import type { EventSigner } from '../../core/events/eventBuilder.ts';
import type { RoomEvent } from '../../core/events/roomEvent.ts';
import { OUTLIER_CONTEXT } from '../../core/state/eventContext.ts';
import { tempDir } from './tempDir.ts';

export interface StorageFixture {
  readonly dataDir: DataDirectory;
  readonly storage: Storage;
  readonly events: EventCreationHandler;
  readonly serverName: string;
  send(request: NewEventRequest): Promise<SentEvent>;
  createRoom(creator: string, options?: { roomVersion?: string; joinRule?: string; roomId?: string; stateDefault?: number }): Promise<string>;
  join(roomId: string, userId: string, content?: JsonObject): Promise<SentEvent>;
  leave(roomId: string, userId: string): Promise<SentEvent>;
  state(roomId: string, sender: string, type: string, stateKey: string, content: JsonObject): Promise<SentEvent>;
  message(roomId: string, sender: string, body: string): Promise<SentEvent>;
  /**
   * An event creation handler signing as another server over the same storage: stands in for events that
   * reach us from a remote server (the DAG, state and persistence rules are the same).
   */
  remote(serverName: string): { handler: EventCreationHandler; signer: EventSigner };
  /** Persists an event as an outlier (outside the DAG and state), as for an invite to a room we are not in. */
  persistOutlier(event: RoomEvent): Promise<number>;
}

let roomCounter = 0;

export function openStorageFixture(
  t: TestContext,
  options: { serverName?: string; dir?: string; resolver?: StateResolver } = {},
): StorageFixture {
  const serverName = options.serverName ?? 'hs.test';
  const dataDir = openDataDirectory(options.dir ?? tempDir(t), { serverName });
  t.after(() => dataDir.close());
  const storage = new Storage({
    db: dataDir.db,
    serverName,
    identity: { instanceName: 'main', eventsWriter: 'main' },
    stateResolver: options.resolver ?? identicalStatesOnlyResolver,
  });
  const events = new EventCreationHandler(storage.stores, storage.stateController, new LocalEventPersister(storage.persistence!), {
    serverName,
    signingKey: dataDir.signingKey,
  });
  const send = (request: NewEventRequest) => events.send(request);
  const state = (roomId: string, sender: string, type: string, stateKey: string, content: JsonObject) =>
    send({ roomId, sender, type, stateKey, content });
  return {
    dataDir,
    storage,
    events,
    serverName,
    send,
    state,
    async createRoom(creator, opts = {}) {
      const roomId = opts.roomId ?? `!room${++roomCounter}x${Date.now()}:${serverName}`;
      const roomVersion = opts.roomVersion ?? '11';
      const content: JsonObject = { room_version: roomVersion };
      if (roomVersion !== '11') content.creator = creator;
      await send({ roomId, sender: creator, type: 'm.room.create', stateKey: '', content, roomVersion });
      await state(roomId, creator, 'm.room.member', creator, { membership: 'join' });
      await state(roomId, creator, 'm.room.power_levels', '', { users: { [creator]: 100 }, users_default: 0, events_default: 0, state_default: opts.stateDefault ?? 50 });
      await state(roomId, creator, 'm.room.join_rules', '', { join_rule: opts.joinRule ?? 'public' });
      return roomId;
    },
    join: (roomId, userId, content = {}) => state(roomId, userId, 'm.room.member', userId, { membership: 'join', ...content }),
    leave: (roomId, userId) => state(roomId, userId, 'm.room.member', userId, { membership: 'leave' }),
    message: (roomId, sender, body) => send({ roomId, sender, type: 'm.room.message', content: { msgtype: 'm.text', body } }),
    remote(remoteName) {
      const signer: EventSigner = { serverName: remoteName, signingKey: SigningKey.generate('remote') };
      return { handler: new EventCreationHandler(storage.stores, storage.stateController, new LocalEventPersister(storage.persistence!), signer), signer };
    },
    async persistOutlier(event) {
      event.internal.outlier = true;
      const [persisted] = await storage.persistence!.persistEvents([{ event, context: OUTLIER_CONTEXT }]);
      return persisted!.streamOrdering;
    },
  };
}
