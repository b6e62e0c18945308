/**
 * Reading a JSON request body with a size limit. Oversized bodies are refused with 413 `M_TOO_LARGE` before
 * they are buffered (by Content-Length) or as soon as they pass the limit (chunked uploads); invalid JSON is
 * 400 `M_NOT_JSON`; a body that is JSON but not an object is 400 `M_BAD_JSON`.
 */
import type { Context, Next } from 'koa';
import { MatrixError } from '../handlers/matrixError.ts';
import type { JsonObject } from '../crypto/canonicalJson.ts';

const BODY = Symbol('jsonBody');
// Invalid UTF-8 is not JSON; a lenient decoder would silently turn it into U+FFFD.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

interface BodyState {
  [BODY]?: Promise<Buffer>;
}

/** A different limit for the paths under a prefix (media uploads are raw bytes, far larger than JSON bodies). */
export interface BodyLimitOverride {
  readonly pathPrefix: string;
  readonly maxBytes: number;
}

/** Refuses a declared Content-Length over `maxBytes` (or the limit of the path's override) before any handler runs. */
export function bodySizeLimit(maxBytes: number, overrides: readonly BodyLimitOverride[] = []) {
  return async function bodySizeLimitMiddleware(ctx: Context, next: Next): Promise<void> {
    const limit = overrides.find((o) => ctx.path.startsWith(o.pathPrefix))?.maxBytes ?? maxBytes;
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > limit) throw tooLarge(limit);
    await next();
  };
}

export function tooLarge(maxBytes: number): MatrixError {
  return new MatrixError(413, 'M_TOO_LARGE', `Request body is larger than the limit of ${maxBytes} bytes`);
}

/** Reads the raw body once per request (later calls share it), refusing more than `maxBytes`. */
export function readRawBody(ctx: Context, maxBytes: number): Promise<Buffer> {
  const state = ctx.state as BodyState;
  state[BODY] ??= new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const req = ctx.req;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
  return state[BODY];
}

export interface JsonBodyOptions {
  readonly maxBytes: number;
  /** An empty body counts as `{}` (many clients send no body to POST endpoints whose fields are all optional). */
  readonly emptyIsObject?: boolean;
}

/** The request body as a JSON object. */
export async function readJsonObject(ctx: Context, options: JsonBodyOptions): Promise<JsonObject> {
  const raw = await readRawBody(ctx, options.maxBytes);
  if (raw.length === 0 && (options.emptyIsObject ?? true)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(STRICT_UTF8.decode(raw));
  } catch {
    throw new MatrixError(400, 'M_NOT_JSON', 'Content not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MatrixError(400, 'M_BAD_JSON', 'Request body must be a JSON object');
  }
  return parsed as JsonObject;
}
