/** Two federating servers with alice (a.test) in a public room of A's that bob (b.test) joined by its alias. */
import type { TestContext } from 'node:test';
import { ClientApi } from './clientApi.ts';
import { createLoggedInUser, type LoggedInUser } from './testHomeserver.ts';
import { eventually, startFederatedServers, type FederatedServer } from './federatedServers.ts';

export interface FederatedRoom {
  readonly a: FederatedServer;
  readonly b: FederatedServer;
  readonly alice: ClientApi;
  /** Alice's login, for a client of A after a restart. */
  readonly aliceLogin: LoggedInUser;
  readonly bob: ClientApi;
  readonly roomId: string;
}

export async function startFederatedRoom(t: TestContext, alias: string): Promise<FederatedRoom> {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const aliceLogin = await createLoggedInUser(a!, 'alice');
  const alice = new ClientApi(a!.baseUrl, aliceLogin);
  const bob = new ClientApi(b!.baseUrl, await createLoggedInUser(b!, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: alias });
  await bob.join(`#${alias}:a.test`);
  await eventually(async () => (await a!.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.userId), 'bob joined on A');
  return { a: a!, b: b!, alice, aliceLogin, bob, roomId };
}
