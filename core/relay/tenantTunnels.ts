/**
 * The relay's end of the live tunnels: at most one WebSocket per tenant (a newer connection replaces an older
 * one, which may be a half-open leftover), opened only with the tenant's secret. Federation requests for a
 * tenant are sent down its tunnel as request messages and matched to the response messages by ID; many may be
 * in flight at once, up to a per-tenant limit. Pings find dead connections.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { Logger } from '../logging/logger.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import type { RelayTenants } from './relayTenants.ts';
import {
  decodeTunnelMessage,
  encodeTunnelMessage,
  messageBytes,
  TENANT_HEADER,
  TUNNEL_PATH,
  type TunnelHeaders,
  type TunnelResponse,
} from './tunnelProtocol.ts';

/** Largest tunnel message: a federation response may carry media. */
export const MAX_TUNNEL_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The tenant cannot be reached through its tunnel right now (offline, or too busy): the caller falls back. */
export class TunnelUnavailableError extends Error {
  override readonly name = 'TunnelUnavailableError';
}

export interface ForwardedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: TunnelHeaders;
  readonly body: Buffer;
}

export interface TenantTunnelsOptions {
  readonly tenants: RelayTenants;
  /** Requests in flight through one tunnel at most; more are TunnelUnavailableError("busy"). */
  readonly maxInFlight: number;
  readonly log: Logger;
  /** How long a tenant may take to answer a forwarded request (then 504). */
  readonly requestTimeoutMs?: number;
  readonly pingIntervalMs?: number;
  /** Called once a tenant's tunnel is open. */
  readonly onConnected?: (tenant: string) => void;
}

interface PendingRequest {
  readonly resolve: (response: TunnelResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

class Tunnel {
  private nextId = 1;
  readonly pending = new Map<number, PendingRequest>();
  alive = true;

  constructor(
    readonly tenant: string,
    readonly socket: WebSocket,
  ) {}

  send(request: ForwardedRequest, timeoutMs: number): Promise<TunnelResponse> {
    const id = this.nextId++;
    return new Promise<TunnelResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MatrixError(504, 'M_UNAVAILABLE', `${this.tenant} did not answer through its tunnel within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(encodeTunnelMessage({ type: 'request', id, ...request }), (error) => {
        if (error) this.settle(id, new TunnelUnavailableError(`sending through the tunnel of ${this.tenant} failed: ${error.message}`));
      });
    });
  }

  settle(id: number, outcome: TunnelResponse | Error): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, new TunnelUnavailableError(reason));
  }
}

export class TenantTunnels {
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_TUNNEL_MESSAGE_BYTES });
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly options: TenantTunnelsOptions) {
    this.pinger = setInterval(() => this.pingAll(), options.pingIntervalMs ?? 20_000);
    this.pinger.unref();
  }

  isConnected(tenant: string): boolean {
    return this.tunnels.has(tenant);
  }

  connectedTenants(): string[] {
    return [...this.tunnels.keys()];
  }

  /** The listener's `upgrade` event: opens a tunnel for a tenant that shows its secret, refuses anyone else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== TUNNEL_PATH) return refuseUpgrade(socket, MatrixError.unrecognized());
    const tenant = req.headers[TENANT_HEADER];
    const secret = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (typeof tenant !== 'string' || tenant === '') return refuseUpgrade(socket, MatrixError.missingParam(`The ${TENANT_HEADER} header must name the tenant`));
    if (secret === undefined) return refuseUpgrade(socket, new MatrixError(401, 'M_MISSING_TOKEN', 'The tunnel needs the tenant secret as a Bearer token'));
    if (!this.options.tenants.has(tenant)) return refuseUpgrade(socket, MatrixError.forbidden(`This relay does not serve ${tenant}`));
    if (!this.options.tenants.secretMatches(tenant, secret)) return refuseUpgrade(socket, new MatrixError(401, 'M_UNKNOWN_TOKEN', `Wrong secret for ${tenant}`));
    this.server.handleUpgrade(req, socket, head, (ws) => this.attach(tenant, ws));
  }

  /** Sends a request through the tenant's tunnel and resolves with its answer. */
  forward(tenant: string, request: ForwardedRequest): Promise<TunnelResponse> {
    const tunnel = this.tunnels.get(tenant);
    if (!tunnel) return Promise.reject(new TunnelUnavailableError(`${tenant} is offline`));
    if (tunnel.pending.size >= this.options.maxInFlight) {
      return Promise.reject(new TunnelUnavailableError(`${tenant} already has ${tunnel.pending.size} requests in flight`));
    }
    return tunnel.send(request, this.options.requestTimeoutMs ?? 120_000);
  }

  /** Tells a connected tenant that transactions wait in its mailbox. */
  notifyMailbox(tenant: string, pending: number): void {
    this.tunnels.get(tenant)?.socket.send(encodeTunnelMessage({ type: 'mailbox', pending }));
  }

  /** Closes every tunnel (the relay is stopping); tenants reconnect with backoff. */
  closeAll(): void {
    clearInterval(this.pinger);
    for (const tunnel of this.tunnels.values()) {
      tunnel.failAll('the relay is stopping');
      tunnel.socket.close(1001, 'relay stopping');
    }
    this.tunnels.clear();
    this.server.close();
  }

  private attach(tenant: string, socket: WebSocket): void {
    const previous = this.tunnels.get(tenant);
    if (previous) {
      previous.failAll(`${tenant} opened a new tunnel`);
      previous.socket.close(4001, 'replaced by a newer tunnel');
    }
    const tunnel = new Tunnel(tenant, socket);
    this.tunnels.set(tenant, tunnel);
    const log = this.options.log;
    log.info(`tunnel of ${tenant} open`);
    socket.on('pong', () => {
      tunnel.alive = true;
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      try {
        if (!isBinary) throw new Error('text message');
        const message = decodeTunnelMessage(messageBytes(data));
        if (message.type !== 'response') throw new Error(`unexpected ${message.type} message`);
        tunnel.settle(message.id, message);
      } catch (e) {
        log.warn(`closing the tunnel of ${tenant}: ${(e as Error).message}`);
        socket.close(1002, 'protocol error');
      }
    });
    socket.on('close', () => {
      tunnel.failAll(`the tunnel of ${tenant} closed`);
      if (this.tunnels.get(tenant) === tunnel) {
        this.tunnels.delete(tenant);
        log.info(`tunnel of ${tenant} closed`);
      }
    });
    socket.on('error', (e) => log.warn(`tunnel of ${tenant}: ${e.message}`));
    this.options.onConnected?.(tenant);
  }

  private pingAll(): void {
    for (const tunnel of this.tunnels.values()) {
      if (!tunnel.alive) {
        this.options.log.info(`tunnel of ${tunnel.tenant} stopped answering pings; closing it`);
        tunnel.socket.terminate();
        continue;
      }
      tunnel.alive = false;
      tunnel.socket.ping();
    }
  }
}

/** Answers a refused upgrade with a Matrix error (status, errcode, error) and closes the connection. */
function refuseUpgrade(socket: Duplex, error: MatrixError): void {
  const body = JSON.stringify(error.toJSON());
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
