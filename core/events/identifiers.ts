/**
 * Matrix identifier grammar (appendices, "Identifier Grammar"): server names, user IDs, room IDs, aliases.
 * Parsing is lenient where the spec requires acceptance of historical IDs; `isValid...` functions apply the
 * strict grammar for identifiers this server creates.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_LITERAL = /^\[([0-9A-Fa-f:.]{2,45})\]$/;
const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const STRICT_LOCALPART = /^[a-z0-9._=\-/+]+$/;

export interface ParsedServerName {
  readonly host: string;
  readonly port: number | null;
  readonly kind: 'ipv4' | 'ipv6' | 'dns';
}

/** Parses a server name (`host[:port]`); null when it does not follow the grammar. */
export function parseServerName(serverName: string): ParsedServerName | null {
  let host = serverName;
  let port: number | null = null;
  const portMatch = /^(.*):(\d{1,5})$/.exec(serverName);
  if (portMatch && !serverName.endsWith(']')) {
    host = portMatch[1]!;
    port = Number(portMatch[2]);
    if (port < 1 || port > 65535) return null;
  }
  const ipv4 = IPV4.exec(host);
  if (ipv4) {
    return ipv4.slice(1).every((octet) => Number(octet) <= 255) ? { host, port, kind: 'ipv4' } : null;
  }
  if (IPV6_LITERAL.test(host)) return { host, port, kind: 'ipv6' };
  if (DNS_NAME.test(host) && !host.startsWith('-') && !host.includes('..')) return { host, port, kind: 'dns' };
  return null;
}

export function isValidServerName(serverName: string): boolean {
  return parseServerName(serverName) !== null;
}

/**
 * The server part of `@user:server`, `!room:server`, `#alias:server`, `$event:server`: everything after the
 * first colon. Returns null when there is no colon or the sigil is missing.
 */
export function domainOf(id: string): string | null {
  const colon = id.indexOf(':');
  if (colon < 1) return null;
  return id.slice(colon + 1);
}

/** Localpart of an ID (between the sigil and the first colon). */
export function localpartOf(id: string): string | null {
  const colon = id.indexOf(':');
  if (colon < 1) return null;
  return id.slice(1, colon);
}

/** The domain of `userId`, throwing when it is not shaped like a user ID at all. Use on IDs already validated. */
export function serverOfUser(userId: string): string {
  const domain = domainOf(userId);
  if (!userId.startsWith('@') || domain === null) throw new Error(`not a user ID: ${userId}`);
  return domain;
}

/** Accepts historical user IDs: any localpart without `:` or NUL, and a valid server name; at most 255 bytes. */
export function isAcceptableUserId(id: unknown): id is string {
  if (typeof id !== 'string' || !id.startsWith('@') || Buffer.byteLength(id) > 255) return false;
  const localpart = localpartOf(id);
  const domain = domainOf(id);
  if (localpart === null || domain === null || localpart.includes('\0')) return false;
  return isValidServerName(domain);
}

/** The strict grammar, for user IDs this server allocates (spec v1.8+). */
export function isValidUserId(id: unknown): id is string {
  if (!isAcceptableUserId(id)) return false;
  return STRICT_LOCALPART.test(localpartOf(id)!);
}

export function isValidUserLocalpart(localpart: string): boolean {
  return STRICT_LOCALPART.test(localpart);
}

export function isValidRoomId(id: unknown): id is string {
  if (typeof id !== 'string' || !id.startsWith('!') || Buffer.byteLength(id) > 255) return false;
  const domain = domainOf(id);
  const localpart = localpartOf(id);
  return domain !== null && localpart !== null && !localpart.includes('\0') && isValidServerName(domain);
}

export function isValidRoomAlias(id: unknown): id is string {
  if (typeof id !== 'string' || !id.startsWith('#') || Buffer.byteLength(id) > 255) return false;
  const domain = domainOf(id);
  const localpart = localpartOf(id);
  return domain !== null && localpart !== null && !localpart.includes('\0') && isValidServerName(domain);
}

/** Event IDs are opaque: `$` and at most 255 bytes (the domain, if any, belongs to the room version). */
export function isValidEventId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 1 && id.startsWith('$') && Buffer.byteLength(id) <= 255;
}
