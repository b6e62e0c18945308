/**
 * The tenant's end of the live tunnel: one outbound WebSocket to its relay, opened with the tenant's secret,
 * kept open while the server runs. Each request message from the relay is handed to `handler` (the tenant's own
 * federation app) and its answer sent back; requests are handled concurrently. When the connection fails or
 * drops, it is reopened after an exponential backoff (reset by a successful connection); a relay that stops
 * pinging is taken for gone. Timers come from an injectable scheduler so tests can drive the backoff.
 */
import WebSocket, { type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logging/logger.ts';
import { ExponentialBackoff, type BackoffOptions } from './exponentialBackoff.ts';
import { MAX_TUNNEL_MESSAGE_BYTES } from './tenantTunnels.ts';
import {
  decodeTunnelMessage,
  encodeTunnelMessage,
  messageBytes,
  TENANT_HEADER,
  TUNNEL_PATH,
  type TunnelHeaders,
  type TunnelRequest,
} from './tunnelProtocol.ts';

export interface TunnelAnswer {
  readonly status: number;
  readonly headers: TunnelHeaders;
  readonly body: Buffer;
}

/** Answers one request forwarded by the relay. */
export type TunnelRequestHandler = (request: TunnelRequest) => Promise<TunnelAnswer>;

/** setTimeout/clearTimeout, replaceable in tests. */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export type TunnelState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export interface TunnelStatus {
  readonly state: TunnelState;
  readonly lastConnectedTs: number | null;
  readonly lastError: string | null;
  /** When the next attempt is due, while disconnected. */
  readonly nextAttemptTs: number | null;
}

export const DEFAULT_TUNNEL_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000 };

export interface RelayTunnelClientOptions {
  /** The relay's base URL (`https://relay.example.net`); the tunnel is a WebSocket at TUNNEL_PATH under it. */
  readonly relayUrl: string;
  readonly serverName: string;
  readonly secret: string;
  readonly handler: TunnelRequestHandler;
  readonly verifyCertificates: boolean;
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
  readonly scheduler?: Scheduler;
  readonly now?: () => number;
  /** Without a ping from the relay for this long, the tunnel is reopened (the relay pings every 20 s). */
  readonly silenceTimeoutMs?: number;
  /** Called each time the tunnel opens. */
  readonly onConnected?: () => void;
  /** Called when the relay says transactions wait in the mailbox. */
  readonly onMailbox?: (pending: number) => void;
}

export class RelayTunnelClient {
  private readonly backoff: ExponentialBackoff;
  private readonly scheduler: Scheduler;
  private readonly now: () => number;
  private socket: WebSocket | null = null;
  private retryTimer: unknown = null;
  private silenceTimer: unknown = null;
  private state: TunnelState = 'disconnected';
  private lastConnectedTs: number | null = null;
  private lastError: string | null = null;
  private nextAttemptTs: number | null = null;

  constructor(private readonly options: RelayTunnelClientOptions) {
    this.backoff = new ExponentialBackoff(options.backoff ?? DEFAULT_TUNNEL_BACKOFF);
    this.scheduler = options.scheduler ?? realScheduler;
    this.now = options.now ?? Date.now;
  }

  get status(): TunnelStatus {
    return { state: this.state, lastConnectedTs: this.lastConnectedTs, lastError: this.lastError, nextAttemptTs: this.nextAttemptTs };
  }

  start(): void {
    if (this.state === 'stopped') throw new Error('the tunnel client was stopped');
    if (this.socket || this.retryTimer !== null) return;
    this.connect();
  }

  /** Closes the tunnel for good; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.OPEN) socket.close(1001, 'tenant stopping');
      else socket.terminate();
      // A relay that does not finish the closing handshake must not hold up shutdown.
      setTimeout(() => socket.terminate(), 2_000).unref();
    });
  }

  private connect(): void {
    this.retryTimer = null;
    this.nextAttemptTs = null;
    this.state = 'connecting';
    const url = new URL(this.options.relayUrl.replace(/\/+$/, '') + TUNNEL_PATH);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, {
      headers: { Authorization: `Bearer ${this.options.secret}`, [TENANT_HEADER]: this.options.serverName },
      rejectUnauthorized: this.options.verifyCertificates,
      maxPayload: MAX_TUNNEL_MESSAGE_BYTES,
      handshakeTimeout: 15_000,
      perMessageDeflate: false,
    });
    this.socket = socket;
    let refusal: string | null = null;
    socket.on('unexpected-response', (_request, response: IncomingMessage) => {
      readRefusal(response).then((message) => {
        refusal = message;
        socket.terminate();
      });
    });
    socket.on('open', () => {
      this.state = 'connected';
      this.lastConnectedTs = this.now();
      this.lastError = null;
      this.backoff.reset();
      this.options.log.info(`tunnel to ${this.options.relayUrl} open`);
      this.armSilenceTimer();
      this.options.onConnected?.();
    });
    socket.on('ping', () => this.armSilenceTimer());
    socket.on('message', (data: RawData, isBinary: boolean) => this.received(socket, data, isBinary));
    socket.on('error', (e: Error) => {
      this.lastError = refusal ?? e.message;
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (refusal) this.lastError = `the relay refused the tunnel: ${refusal}`;
      else if (this.state === 'connected') this.lastError = `tunnel closed (${code}${reason.length > 0 ? ` ${reason.toString('utf8')}` : ''})`;
      if (this.state === 'stopped') return;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.silenceTimer !== null) this.scheduler.clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    this.state = 'disconnected';
    const delay = this.backoff.next();
    this.nextAttemptTs = this.now() + delay;
    this.options.log.info(`tunnel to ${this.options.relayUrl} down (${this.lastError ?? 'closed'}); reconnecting in ${delay} ms`);
    this.retryTimer = this.scheduler.setTimeout(() => this.connect(), delay);
  }

  private received(socket: WebSocket, data: RawData, isBinary: boolean): void {
    let request: TunnelRequest;
    try {
      if (!isBinary) throw new Error('text message');
      const message = decodeTunnelMessage(messageBytes(data));
      if (message.type === 'mailbox') {
        this.options.onMailbox?.(message.pending);
        return;
      }
      if (message.type !== 'request') throw new Error(`unexpected ${message.type} message`);
      request = message;
    } catch (e) {
      this.options.log.warn(`closing the tunnel: ${(e as Error).message}`);
      socket.close(1002, 'protocol error');
      return;
    }
    this.options
      .handler(request)
      .catch((e: Error): TunnelAnswer => {
        this.options.log.error(`answering ${request.method} ${request.path} through the tunnel failed`, e);
        return { status: 502, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ errcode: 'M_UNKNOWN', error: 'The tenant could not answer' })) };
      })
      .then((answer) => {
        socket.send(encodeTunnelMessage({ type: 'response', id: request.id, ...answer }), (error) => {
          if (error) this.options.log.info(`the answer to ${request.method} ${request.path} was lost with the tunnel: ${error.message}`);
        });
      });
  }

  private armSilenceTimer(): void {
    if (this.silenceTimer !== null) this.scheduler.clearTimeout(this.silenceTimer);
    const socket = this.socket;
    this.silenceTimer = this.scheduler.setTimeout(() => {
      this.options.log.info('the relay stopped pinging; reopening the tunnel');
      socket?.terminate();
    }, this.options.silenceTimeoutMs ?? 60_000);
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.scheduler.clearTimeout(this.retryTimer);
    if (this.silenceTimer !== null) this.scheduler.clearTimeout(this.silenceTimer);
    this.retryTimer = null;
    this.silenceTimer = null;
    this.nextAttemptTs = null;
  }
}

/** "403 M_FORBIDDEN: This relay does not serve x" from a refused upgrade (or just the status). */
function readRefusal(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < 4096) text += chunk;
    });
    const done = () => {
      try {
        const body = JSON.parse(text) as { errcode?: unknown; error?: unknown };
        resolve(`${response.statusCode} ${String(body.errcode)}: ${String(body.error)}`);
      } catch {
        resolve(`HTTP ${response.statusCode}`);
      }
    };
    response.on('end', done);
    response.on('error', done);
  });
}
