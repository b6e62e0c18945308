/**
 * matrix-js-sdk 43 clients with Rust crypto, for end-to-end tests against a real server: quiet logging, an
 * in-memory crypto store, and helpers to wait for the client to reach a state.
 */
import type { TestContext } from 'node:test';
import { ClientEvent, createClient, type MatrixClient } from 'matrix-js-sdk';
import { after } from 'node:test';
import loglevel from 'loglevel';
import { logger as sdkRootLogger, type Logger } from 'matrix-js-sdk/lib/logger.js';
import type { LoggedInUser, RunningHomeserver } from '../../support/testHomeserver.ts';

// Parts of the SDK log through loglevel loggers of their own whatever the client's logger is: existing ones are
// silenced, and later children (made at debug level) inherit the root's silent method factory.
for (const child of Object.values(loglevel.getLoggers())) child.setLevel('silent');
const root = sdkRootLogger as unknown as loglevel.Logger;
root.methodFactory = () => () => undefined;
root.rebuild();

// The SDK leaves timers behind that nothing clears: a timeout per HTTP request (up to 110 s after a sync) and a
// five-minute wait on each event it could not decrypt. The server under test runs in this process too, so once
// every test of the file has finished, no timer may keep the process alive.
const timers: NodeJS.Timeout[] = [];
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = Object.assign(
  (...args: Parameters<typeof realSetTimeout>) => {
    const timer = realSetTimeout(...args);
    timers.push(timer);
    return timer;
  },
  realSetTimeout,
) as typeof realSetTimeout;
after(() => {
  for (const timer of timers) timer.unref();
});

// matrix-js-sdk 43 uses Promise.withResolvers, which Node 22 has and Node 20 lacks: give the client library
// what it expects (this touches only the client's runtime, not the server under test).
const promiseStatics = Promise as unknown as { withResolvers?: unknown };
promiseStatics.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export function quietLogger(): Logger {
  const noop = () => {};
  const logger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, getChild: () => logger };
  return logger;
}

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
      const client = createClient({ baseUrl: hs.baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId, logger: quietLogger() });
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
