/**
 * matrix-js-sdk 43 clients with Rust crypto, for end-to-end tests against a real server: quiet logging, an
 * in-memory crypto store, and helpers to wait for the client to reach a state.
 */
import { quietSdkLogger } from '../../support/sdkRuntime.ts';
import type { TestContext } from 'node:test';
import { ClientEvent, createClient, type MatrixClient } from 'matrix-js-sdk';
import type { LoggedInUser, RunningHomeserver } from '../../support/testHomeserver.ts';

/**
 * Makes clients for one test. Create the pool before the server: cleanup hooks run in the order they were
 * registered, and clients must stop before the server does, or their retry timers keep the process alive.
 */
export function sdkClientPool(t: TestContext): { create(hs: RunningHomeserver, user: LoggedInUser): Promise<MatrixClient> } {
  const clients: MatrixClient[] = [];
  t.after(() => {
    for (const client of clients) client.stopClient();
  });
  return {
    /** A client for `user` with Rust crypto initialised in memory (not started: call `startSyncing`). */
    async create(hs, user) {
      const client = createClient({ baseUrl: hs.baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId, logger: quietSdkLogger() });
      clients.push(client);
      await client.initRustCrypto({ useIndexedDB: false });
      return client;
    },
  };
}

/** Starts syncing and resolves once the first sync completed. */
export async function startSyncing(client: MatrixClient): Promise<void> {
  const prepared = new Promise<void>((resolve, reject) => {
    const listener = (state: string) => {
      if (state === 'PREPARED' || state === 'SYNCING') {
        client.off(ClientEvent.Sync, listener);
        resolve();
      } else if (state === 'ERROR') {
        client.off(ClientEvent.Sync, listener);
        reject(new Error('sync failed'));
      }
    };
    client.on(ClientEvent.Sync, listener);
  });
  await client.startClient({ initialSyncLimit: 10 });
  await prepared;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
