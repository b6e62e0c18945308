/**
 * The `multipart/mixed` body of the federation media endpoints (server-server API, "Content Repository"): a
 * JSON metadata part, then the media itself with its own Content-Type and Content-Disposition (or a `Location`
 * header pointing at where to fetch it, which we follow but never send).
 */
import { randomBytes } from 'node:crypto';

export interface MultipartMedia {
  readonly metadata: unknown;
  readonly contentType: string;
  readonly contentDisposition: string | null;
  /** The bytes, unless the part redirects. */
  readonly bytes: Buffer | null;
  readonly location: string | null;
}

export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

/** A fresh boundary that cannot occur in practice in the content. */
export function newBoundary(): string {
  return randomBytes(24).toString('hex');
}

/** The head and tail around the media bytes (the bytes are streamed in between by the caller). */
export function multipartFrame(boundary: string, metadata: unknown, contentType: string, contentDisposition: string): { head: Buffer; tail: Buffer } {
  const head =
    `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(metadata)}\r\n` +
    `--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Disposition: ${contentDisposition}\r\n\r\n`;
  return { head: Buffer.from(head, 'utf8'), tail: Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8') };
}

/** The boundary of a `multipart/mixed; boundary=...` Content-Type, or null. */
export function boundaryOf(contentType: string | null | undefined): string | null {
  if (!contentType || !/^\s*multipart\/mixed\s*;/i.test(contentType)) return null;
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** Parses a federation media response body. */
export function parseMultipartMedia(body: Buffer, boundary: string): MultipartMedia {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) throw new MultipartError('no multipart boundary in body');
  for (;;) {
    const afterDelimiter = position + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), afterDelimiter);
    if (next < 0) throw new MultipartError('unterminated multipart body');
    // Skip the line break after the delimiter (and any transport padding before it).
    const lineEnd = body.indexOf('\r\n', afterDelimiter);
    parts.push(body.subarray(lineEnd + 2, next));
    position = next + 2;
    if (parts.length > 2) break;
  }
  if (parts.length < 2) throw new MultipartError(`expected 2 parts, got ${parts.length}`);
  const [metaPart, mediaPart] = parts.map(splitPart) as [ReturnType<typeof splitPart>, ReturnType<typeof splitPart>];
  let metadata: unknown;
  try {
    metadata = JSON.parse(metaPart.body.toString('utf8'));
  } catch {
    throw new MultipartError('the metadata part is not JSON');
  }
  const location = mediaPart.headers.get('location') ?? null;
  return {
    metadata,
    contentType: mediaPart.headers.get('content-type') ?? 'application/octet-stream',
    contentDisposition: mediaPart.headers.get('content-disposition') ?? null,
    bytes: location === null ? mediaPart.body : null,
    location,
  };
}

function splitPart(part: Buffer): { headers: Map<string, string>; body: Buffer } {
  const end = part.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  // A part with no headers starts with the blank line itself.
  if (part.subarray(0, 2).toString() === '\r\n') return { headers, body: part.subarray(2) };
  if (end < 0) throw new MultipartError('multipart part without headers');
  for (const line of part.subarray(0, end).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: part.subarray(end + 4) };
}
