/**
 * Several real homeservers on loopback that federate with each other: each has a federation listener on a port
 * picked at run time, plain HTTP allowed between them, and a static server-name map filled in once all listen.
 */
import type { TestContext } from 'node:test';
import { startTestHomeserver, type RunningHomeserver } from './testHomeserver.ts';

export interface FederatedServer extends RunningHomeserver {
  readonly serverName: string;
  readonly federationUrl: string;
}

export async function startFederatedServers(t: TestContext, names: readonly string[], overrides: Record<string, unknown> = {}): Promise<FederatedServer[]> {
  const servers: FederatedServer[] = [];
  for (const name of names) {
    const running = await startTestHomeserver(t, {
      server_name: name,
      federation: { listener: { host: '127.0.0.1', port: 0 }, allow_insecure_http: true },
      ...overrides,
    });
    const address = running.homeserver.federationListenerAddress!;
    servers.push({ ...running, serverName: name, federationUrl: `http://127.0.0.1:${address.port}` });
  }
  for (const server of servers) {
    for (const other of servers) server.homeserver.federation!.resolver.setStatic(other.serverName, other.federationUrl);
  }
  return servers;
}

/** Polls `check` until it returns a value other than undefined/false (federation is asynchronous). */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counts the federation requests `server` sends from now on whose path `matches`. */
export function countFederationRequests(server: FederatedServer, matches: (path: string) => boolean): { count: number } {
  const counter = { count: 0 };
  const client = server.homeserver.federation!.client;
  const original = client.request.bind(client);
  client.request = ((destination, req) => {
    if (matches(req.path)) counter.count++;
    return original(destination, req);
  }) as typeof client.request;
  return counter;
}
