/**
 * Whether a socket's remote address is this machine's loopback: 127.0.0.0/8, ::1, and their IPv4-mapped IPv6
 * forms (a dual-stack listener reports IPv4 peers as `::ffff:127.0.0.1`). Anything else, or an unknown address
 * (a destroyed socket), is not.
 */
export function isLoopbackAddress(address: string | undefined | null): boolean {
  if (!address) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Where the admin API needs a loopback listener of its own: a listener bound to one non-loopback address (say
 * 192.168.1.5) never sees a loopback peer, so the admin API, which answers only this machine, would be out of
 * reach. Null when the client listener already takes loopback connections (a loopback address, `localhost`,
 * or a wildcard); otherwise the loopback address of the same family.
 */
export function extraLoopbackHost(clientHost: string): string | null {
  const host = clientHost.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === '' || host === '0.0.0.0' || host === '::' || host === 'localhost' || isLoopbackAddress(host)) return null;
  return host.includes(':') ? '::1' : '127.0.0.1';
}

/** The URL host at which this machine reaches a listener bound to `address` (wildcards mean their loopback). */
export function loopbackUrlHost(address: { readonly address: string; readonly family: string }): string {
  if (isLoopbackAddress(address.address)) return address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return address.family === 'IPv6' ? '[::1]' : '127.0.0.1';
}
