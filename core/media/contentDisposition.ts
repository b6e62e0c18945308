/**
 * The Content-Disposition header of served media (RFC 6266): `inline` or `attachment`, with the file name
 * encoded so that it can never break the header. A name of plain printable ASCII is sent quoted (`filename="a b.png"`,
 * quotes and backslashes escaped); any other name is sent percent-encoded as UTF-8 (`filename*=utf-8''na%C3%AFve.png`,
 * RFC 5987). Path separators and control characters are dropped first: the name is a suggestion, never a path.
 */

/** RFC 5987 attr-char: what may appear unencoded in an ext-value. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

export function sanitizeFileName(name: string | null | undefined): string | null {
  if (!name) return null;
  // Control characters (including CR/LF and DEL) and path separators never reach a header or a save dialog.
  const cleaned = [...name].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f && ch !== '/' && ch !== '\\').join('').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return null;
  return cleaned.length > 255 ? [...cleaned].slice(0, 255).join('') : cleaned;
}

export function contentDisposition(type: 'inline' | 'attachment', fileName: string | null | undefined): string {
  const name = sanitizeFileName(fileName);
  if (name === null) return type;
  if (/^[\x20-\x7e]*$/.test(name)) return `${type}; filename="${name.replace(/["\\]/g, '\\$&')}"`;
  return `${type}; filename*=utf-8''${encodeExtValue(name)}`;
}

function encodeExtValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The file name in a Content-Disposition header (from an upload or a remote server), or null. */
export function fileNameFromDisposition(header: string | null | undefined): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*([A-Za-z0-9_-]+)'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      const decoded = decodeURIComponent(extended[2]!.trim());
      return sanitizeFileName(extended[1]!.toLowerCase() === 'utf-8' ? decoded : decoded.replace(/[^\x20-\x7e]/g, '_'));
    } catch {
      return null;
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted) return sanitizeFileName(quoted[1]!.replace(/\\(.)/g, '$1'));
  const bare = /filename\s*=\s*([^;\s]+)/i.exec(header);
  return bare ? sanitizeFileName(bare[1]) : null;
}
