/**
 * Starting and stopping an HTTP(S) listener for a koa app, shared by the homeserver's listeners and the relay
 * service: keep-alive grace (keepAliveGrace.ts), listening that rejects on bind errors, and a stop that lets
 * in-flight requests finish for a grace period.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { applyKeepAliveGrace } from './keepAliveGrace.ts';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** How long busy connections may go on after a stop before they are cut. */
export const SHUTDOWN_GRACE_MS = 5_000;

export function createHttpListener(app: Koa, tls: TlsMaterial | null = null): Server {
  const server = tls ? createHttpsServer(tls, app.callback()) : createServer(app.callback());
  applyKeepAliveGrace(server);
  return server;
}

/** Listens on host:port; rejects when the address cannot be bound. */
export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting connections; resolves once in-flight requests finished (or were cut after the grace period). */
export function closeGracefully(server: Server, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive connections would otherwise hold close() open; busy ones get a grace period.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), graceMs).unref();
  });
}
