/**
 * Content types of media, as stored and as served. An uploader's Content-Type is kept only when it is a
 * well-formed `type/subtype` (else `application/octet-stream`). Served media is shown inline only for types that
 * cannot run script in a browser (images, audio, video, plain text); anything else (HTML, SVG, XML, PDF, ...)
 * is served as an attachment, and every media response forbids sniffing and sandboxes itself.
 */

export const OCTET_STREAM = 'application/octet-stream';

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})$`);

/** Types a browser may display in place: none of them can run script. */
const INLINE_TYPES = new Set([
  'text/plain', 'text/csv', 'application/json', 'application/ld+json',
  'image/jpeg', 'image/gif', 'image/png', 'image/apng', 'image/webp', 'image/avif',
  'video/mp4', 'video/webm', 'video/ogg', 'video/quicktime',
  'audio/mp4', 'audio/webm', 'audio/aac', 'audio/mpeg', 'audio/ogg', 'audio/wave', 'audio/wav', 'audio/x-wav', 'audio/x-pn-wav', 'audio/flac', 'audio/x-flac',
]);

/** The stored form of an uploaded Content-Type: `type/subtype` lowercased, with a `charset` kept for text. */
export function normalizeContentType(header: string | null | undefined): string {
  if (!header) return OCTET_STREAM;
  const [essence = '', ...params] = header.split(';');
  const base = essence.trim().toLowerCase();
  if (!MEDIA_TYPE.test(base) || base.length > 255) return OCTET_STREAM;
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([A-Za-z0-9._:-]{1,40})"?\s*$/i.exec(p)?.[1]).find((c) => c !== undefined);
  return charset && base.startsWith('text/') ? `${base}; charset=${charset.toLowerCase()}` : base;
}

/** The bare `type/subtype` of a stored content type. */
export function essenceOf(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

export function isInlineSafe(contentType: string): boolean {
  return INLINE_TYPES.has(essenceOf(contentType));
}

/** The Content-Type to serve: text without a charset is declared UTF-8 so browsers do not guess. */
export function servedContentType(contentType: string): string {
  const normalized = normalizeContentType(contentType);
  return normalized.startsWith('text/') && !normalized.includes('charset=') ? `${normalized}; charset=utf-8` : normalized;
}

/** Headers every media response carries, whatever it serves. */
export const MEDIA_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  // Even if a browser renders the media as a page, it runs in a sandbox with nothing it may load or execute.
  'Content-Security-Policy': "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';",
  'Cross-Origin-Resource-Policy': 'cross-origin',
};
