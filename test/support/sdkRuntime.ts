/**
 * What matrix-js-sdk 43 needs to run quietly in a Node 20 test process, in one place: `Promise.withResolvers`
 * (Node 22 has it, Node 20 does not; this touches only the client's runtime, not the server under test), its
 * loggers silenced, and its leftover timers (a watchdog per request, waits on undecryptable events) unref'd
 * once the file's tests are done, so they cannot hold the process open. Import it before creating clients.
 */
import { after } from 'node:test';
import loglevel from 'loglevel';
import { logger as sdkRootLogger, type Logger } from 'matrix-js-sdk/lib/logger.js';

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

for (const child of Object.values(loglevel.getLoggers())) child.setLevel('silent');
const root = sdkRootLogger as unknown as loglevel.Logger;
root.methodFactory = () => () => undefined;
root.rebuild();

const timers: NodeJS.Timeout[] = [];
const realSetTimeout = globalThis.setTimeout;
if (!(realSetTimeout as { sdkRuntimeTracked?: boolean }).sdkRuntimeTracked) {
  globalThis.setTimeout = Object.assign(
    (...args: Parameters<typeof realSetTimeout>) => {
      const timer = realSetTimeout(...args);
      timers.push(timer);
      return timer;
    },
    realSetTimeout,
    { sdkRuntimeTracked: true },
  ) as typeof realSetTimeout;
  after(() => {
    for (const timer of timers) timer.unref();
  });
}

/** A logger for `createClient({ logger })` that prints nothing. */
export function quietSdkLogger(): Logger {
  const noop = () => {};
  const logger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, getChild: () => logger };
  return logger;
}
