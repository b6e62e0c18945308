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
