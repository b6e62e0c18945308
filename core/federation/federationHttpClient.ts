/**
 * Outgoing federation requests: resolves the destination, signs the request with X-Matrix, sends JSON over
 * HTTPS (certificates verified unless configured otherwise; plain HTTP only to statically mapped peers when
 * `allow_insecure_http` is set), and turns failures into FederationRequestError with the remote Matrix error.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JsonValue } from '../crypto/canonicalJson.ts';
import type { SigningKey } from '../crypto/signingKey.ts';
import { xMatrixAuthorization } from './xMatrixAuthorization.ts';
import type { ServerResolver } from './serverResolver.ts';

export interface FederationClientOptions {
  readonly serverName: string;
  readonly signingKey: SigningKey;
  readonly resolver: ServerResolver;
  readonly verifyCertificates: boolean;
  readonly allowInsecureHttp: boolean;
  /** Per request; federation peers may be slow but must not hang us forever. */
  readonly timeoutMs?: number;
  /** Largest response body accepted. */
  readonly maxResponseBytes?: number;
}

export interface FederationRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path starting with `/_matrix/`, without query. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: JsonValue;
  /** Unsigned requests (key fetches) skip the Authorization header. */
  readonly unsigned?: boolean;
  readonly timeoutMs?: number;
}

export class FederationRequestError extends Error {
  override readonly name = 'FederationRequestError';
  constructor(
    readonly destination: string,
    /** HTTP status, or 0 when the request never got an answer. */
    readonly status: number,
    message: string,
    readonly errcode: string | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
  }

  /** Whether retrying later may succeed (network errors, timeouts, 5xx, rate limits). */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export interface RawFederationResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class FederationHttpClient {
  constructor(private readonly options: FederationClientOptions) {}

  get serverName(): string {
    return this.options.serverName;
  }

  async request<T = unknown>(destination: string, req: FederationRequest): Promise<T> {
    const response = await this.requestRaw(destination, req);
    let parsed: unknown = null;
    try {
      parsed = response.body.length > 0 ? JSON.parse(response.body.toString('utf8')) : null;
    } catch {
      parsed = null;
    }
    if (response.status < 200 || response.status >= 300) {
      const error = parsed as { errcode?: unknown; error?: unknown } | null;
      throw new FederationRequestError(
        destination,
        response.status,
        `${req.method} ${req.path} to ${destination}: ${response.status} ${typeof error?.error === 'string' ? error.error : ''}`.trim(),
        typeof error?.errcode === 'string' ? error.errcode : null,
        parsed,
      );
    }
    if (parsed === null && response.body.length > 0) {
      throw new FederationRequestError(destination, response.status, `${req.method} ${req.path} to ${destination}: response is not JSON`);
    }
    return parsed as T;
  }

  /**
   * A signed request whose answer is returned as it came (status, headers, bytes), for responses that are not
   * JSON (federation media). Only transport failures throw.
   */
  async requestRaw(destination: string, req: FederationRequest & { readonly accept?: string; readonly maxResponseBytes?: number }): Promise<RawFederationResponse> {
    const resolved = await this.options.resolver.resolve(destination);
    const queryString = encodeQuery(req.query);
    const uri = req.path + queryString;
    const url = new URL(resolved.baseUrl + uri);
    if (url.protocol === 'http:' && !this.options.allowInsecureHttp) {
      throw new FederationRequestError(destination, 0, `refusing plain HTTP to ${destination} (allow_insecure_http is off)`);
    }
    const headers: Record<string, string> = { Host: resolved.hostHeader, Accept: req.accept ?? 'application/json' };
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(JSON.stringify(req.body));
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (!req.unsigned) {
      headers.Authorization = xMatrixAuthorization(
        { method: req.method, uri, origin: this.options.serverName, destination, ...(req.body === undefined ? {} : { content: req.body }) },
        this.options.signingKey,
      );
    }
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 60_000;
    const maxBytes = req.maxResponseBytes ?? this.options.maxResponseBytes ?? 50 * 1024 * 1024;
    return new Promise<RawFederationResponse>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(
        url,
        {
          method: req.method,
          headers,
          timeout: timeoutMs,
          ...(url.protocol === 'https:' ? { servername: resolved.tlsServerName, rejectUnauthorized: this.options.verifyCertificates } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              request.destroy(new Error(`response larger than ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      request.on('error', reject);
      if (payload) request.write(payload);
      request.end();
    }).catch((e: Error) => {
      throw new FederationRequestError(destination, 0, `${req.method} ${req.path} to ${destination} failed: ${e.message}`);
    });
  }
}

function encodeQuery(query: FederationRequest['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(v as string)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
