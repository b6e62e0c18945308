/**
 * The live tunnel's wire protocol, spoken over one WebSocket that the tenant opens to its relay.
 *
 * Why a WebSocket: it is an ordinary HTTP(S) request that the tenant makes from behind NAT (so it passes the
 * same TLS set-up, proxies and the relay's one listener), it has framing and ping/pong built in, and the `ws`
 * package is small and well tried. HTTP/2 would multiplex natively, but the relay has to send requests *to* the
 * tenant over a connection the tenant opened: that needs the roles swapped after connecting (the tenant as an
 * HTTP/2 server on its outbound socket), which Node does not support cleanly over TLS sockets that negotiated
 * HTTP/1.1. So the tunnel carries its own small request/response messages, matched by ID, concurrently.
 *
 * Opening: `GET /_hearth/relay/v1/tunnel` with `Authorization: Bearer <secret>` and `X-Hearth-Tenant: <name>`.
 * Each WebSocket message is binary: a 4-byte big-endian length, that many bytes of JSON header, then the body.
 *   relay -> tenant  {type: "request", id, method, path, headers} + body   (a federation request for the tenant)
 *   tenant -> relay  {type: "response", id, status, headers} + body        (its answer)
 *   relay -> tenant  {type: "mailbox", pending}                            (transactions wait in the mailbox)
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RawData } from 'ws';

export const TUNNEL_PATH = '/_hearth/relay/v1/tunnel';
export const TENANT_HEADER = 'x-hearth-tenant';

export type TunnelHeaders = Readonly<Record<string, string>>;

export interface TunnelRequest {
  readonly type: 'request';
  readonly id: number;
  readonly method: string;
  /** Path and query exactly as the sender signed them. */
  readonly path: string;
  readonly headers: TunnelHeaders;
  readonly body: Buffer;
}

export interface TunnelResponse {
  readonly type: 'response';
  readonly id: number;
  readonly status: number;
  readonly headers: TunnelHeaders;
  readonly body: Buffer;
}

export interface MailboxNotice {
  readonly type: 'mailbox';
  /** Transactions waiting in the tenant's mailbox. */
  readonly pending: number;
}

export type TunnelMessage = TunnelRequest | TunnelResponse | MailboxNotice;

export class TunnelProtocolError extends Error {
  override readonly name = 'TunnelProtocolError';
}

export function encodeTunnelMessage(message: TunnelMessage): Buffer {
  const { body, ...header } = message as TunnelMessage & { body?: Buffer };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  return Buffer.concat([length, headerBytes, body ?? Buffer.alloc(0)]);
}

/** Parses one message; anything malformed is a TunnelProtocolError (the peer is then disconnected). */
export function decodeTunnelMessage(data: Buffer): TunnelMessage {
  if (data.length < 4) throw new TunnelProtocolError('message shorter than its length prefix');
  const headerLength = data.readUInt32BE(0);
  if (4 + headerLength > data.length) throw new TunnelProtocolError('header length past the end of the message');
  let header: unknown;
  try {
    header = JSON.parse(data.subarray(4, 4 + headerLength).toString('utf8'));
  } catch {
    throw new TunnelProtocolError('header is not JSON');
  }
  const h = (typeof header === 'object' && header !== null ? header : {}) as Record<string, unknown>;
  const body = data.subarray(4 + headerLength);
  switch (h.type) {
    case 'request':
      if (!isId(h.id) || typeof h.method !== 'string' || typeof h.path !== 'string' || !h.path.startsWith('/')) throw new TunnelProtocolError('malformed request');
      return { type: 'request', id: h.id, method: h.method, path: h.path, headers: stringRecord(h.headers), body };
    case 'response':
      if (!isId(h.id) || !Number.isInteger(h.status) || (h.status as number) < 100 || (h.status as number) > 599) throw new TunnelProtocolError('malformed response');
      return { type: 'response', id: h.id, status: h.status as number, headers: stringRecord(h.headers), body };
    case 'mailbox':
      if (!Number.isInteger(h.pending) || (h.pending as number) < 0) throw new TunnelProtocolError('malformed mailbox notice');
      return { type: 'mailbox', pending: h.pending as number };
    default:
      throw new TunnelProtocolError(`unknown message type ${JSON.stringify(h.type)}`);
  }
}

// Connection-level headers describe one hop (and Content-Length is recomputed from the body actually sent).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length', 'proxy-authorization', 'proxy-authenticate']);

/** The end-to-end headers of a request or response, each as one string, to carry across the tunnel. */
export function endToEndHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || lower.startsWith(':')) continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** The bytes of a received WebSocket message, however `ws` delivered them. */
export function messageBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TunnelProtocolError('headers must be an object');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new TunnelProtocolError(`header ${name} must be a string`);
    out[name] = v;
  }
  return out;
}
