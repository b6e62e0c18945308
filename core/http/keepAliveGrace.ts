/**
 * Keep-alive that does not close a connection under a client's feet. Node closes an idle keep-alive connection
 * shortly (1 s) after the timeout it advertises. When the process stalls for longer than that right after
 * answering (a big room creation on a loaded machine holds the event loop for seconds; in tests, the client
 * shares that loop), the client reads the answer and sends its next request on the same connection just as the
 * server's idle timer fires, and gets ECONNRESET. So clients are told the usual 5 s (`Keep-Alive: timeout=5`;
 * undici and others stop reusing a connection before that), while the server keeps an idle connection open far
 * longer, which covers such stalls. (Node 24's `keepAliveTimeoutBuffer` is the same idea with a 1 s margin.)
 */
import type { Server } from 'node:http';

/** What clients are told: reuse an idle connection for at most this long. */
export const ADVERTISED_KEEP_ALIVE_SECONDS = 5;
/** How long the server actually keeps an idle connection open. */
export const SERVER_KEEP_ALIVE_MS = 65_000;

export function applyKeepAliveGrace(server: Server): void {
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_MS;
  // Before the app's own listener, so the header is there whatever the app answers; Node then adds none of its own.
  server.prependListener('request', (_request, response) => {
    response.setHeader('Keep-Alive', `timeout=${ADVERTISED_KEEP_ALIVE_SECONDS}`);
  });
}
