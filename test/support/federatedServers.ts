/**
 * Several real homeservers on loopback that federate with each other: each has a federation listener on a port
 * picked at run time, plain HTTP allowed between them, and a static server-name map filled in once all listen.
 */
import type { TestContext } from 'node:test';
import { Homeserver } from '../../core/homeserver.ts';
import { Logger } from '../../core/logging/logger.ts';
import { TEST_PASSWORD_COST, startTestHomeserver, type RunningHomeserver } from './testHomeserver.ts';

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

/**
 * Stops `server` and opens it again on the same data directory (new ports), as after a restart of the process;
 * the others learn its new federation address. The returned server replaces the old one.
 */
export async function restartFederatedServer(t: TestContext, server: FederatedServer, others: readonly FederatedServer[]): Promise<FederatedServer> {
  // Ports in the config are 0 (picked at listen time), so the same config gives new ones.
  const config = server.homeserver.config;
  await server.homeserver.stop();
  const homeserver = Homeserver.open({ config, log: new Logger('error'), passwordCost: TEST_PASSWORD_COST });
  const address = await homeserver.listen();
  t.after(() => homeserver.stop());
  const restarted: FederatedServer = {
    homeserver,
    baseUrl: `http://127.0.0.1:${address.port}`,
    serverName: server.serverName,
    federationUrl: `http://127.0.0.1:${homeserver.federationListenerAddress!.port}`,
  };
  for (const other of others) {
    other.homeserver.federation!.resolver.setStatic(restarted.serverName, restarted.federationUrl);
    homeserver.federation!.resolver.setStatic(other.serverName, other.federationUrl);
  }
  return restarted;
}
