/**
 * Alice on a.test and bob (password `bob-pw`) on b.test, both with end-to-end encryption test devices, joined to
 * a public room of A's; and waiting for a user's device-list change to show in someone's /sync.
 */
import type { TestContext } from 'node:test';
import { eventually, startFederatedServers } from '../../support/federatedServers.ts';
import { e2eeUser, sync, type E2eeUser } from '../keys/e2eeTestKit.ts';

export async function twoServerRoom(t: TestContext, alias: string) {
  const [a, b] = await startFederatedServers(t, ['a.test', 'b.test']);
  const alice = await e2eeUser(a!, 'alice');
  const bob = await e2eeUser(b!, 'bob', 'bob-pw');
  const roomId = await alice.api.createRoom({ preset: 'public_chat', room_alias_name: alias });
  await bob.api.join(`#${alias}:a.test`);
  await eventually(async () => (await a!.homeserver.storage.stores.members.getUsersInRoom(roomId)).includes(bob.user.userId), 'bob joined on A');
  return { a: a!, b: b!, alice, bob, roomId };
}

/** Syncs from `since` until `userId` shows under `device_lists.changed`; returns the next token. */
export async function waitForDeviceListChange(user: E2eeUser, since: string, userId: string): Promise<string> {
  let token = since;
  return eventually(async () => {
    const body = await sync(user.api, token, 1000);
    token = body.next_batch;
    return body.device_lists?.changed?.includes(userId) ? token : undefined;
  }, `${user.user.userId} to see ${userId}'s device list change`);
}
