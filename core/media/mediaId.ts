/**
 * Media IDs and `mxc://` URIs. IDs we make are 24 random URL-safe characters; IDs we accept (ours or a remote
 * server's) are limited to `[A-Za-z0-9_-]`, as the spec recommends, so an ID can never name a path outside the
 * media store or smuggle anything into a URL or header.
 */
import { randomBytes } from 'node:crypto';
import { isValidServerName } from '../events/identifiers.ts';
import { MatrixError } from '../handlers/matrixError.ts';

const MEDIA_ID = /^[A-Za-z0-9_-]{1,255}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function newMediaId(): string {
  return Array.from(randomBytes(24), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

export function isValidMediaId(mediaId: string): boolean {
  return MEDIA_ID.test(mediaId);
}

export function mxcUri(serverName: string, mediaId: string): string {
  return `mxc://${serverName}/${mediaId}`;
}

/** Parses `mxc://server/id`; null when malformed. */
export function parseMxcUri(uri: string): { serverName: string; mediaId: string } | null {
  const match = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(uri);
  if (!match || !isValidServerName(match[1]!) || !isValidMediaId(match[2]!)) return null;
  return { serverName: match[1]!, mediaId: match[2]! };
}

/** Checks the `{serverName}/{mediaId}` of a media path; bad ones are 404 (nothing by that name can exist). */
export function checkMediaPath(serverName: string, mediaId: string): void {
  if (!isValidServerName(serverName) || !isValidMediaId(mediaId)) throw MatrixError.notFound('Media not found');
}
