/**
 * Fetching a URL on behalf of a user (URL previews) without letting the user aim the server at itself or its
 * network: only http(s); the host name is resolved here and every resolved address is checked against the
 * address policy (after DNS resolution, so a name pointing at 127.0.0.1 is refused too), and the connection goes
 * to the checked address, so a second DNS answer cannot swap it (DNS rebinding). Redirects are followed a few
 * times, each checked again; bodies are capped and requests time out.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './addressPolicy.ts';

export interface SafeFetchOptions {
  readonly policy: AddressPolicy;
  readonly maxBytes: number;
  readonly timeoutMs?: number;
  readonly maxRedirects?: number;
  readonly userAgent?: string;
}

export interface FetchedResource {
  readonly url: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class FetchRefusedError extends Error {
  override readonly name = 'FetchRefusedError';
}

export async function safeFetch(target: string, options: SafeFetchOptions): Promise<FetchedResource> {
  let url = parseHttpUrl(target);
  for (let redirects = 0; ; redirects++) {
    const address = await resolveAllowed(url.hostname, options.policy);
    const response = await fetchOnce(url, address, options);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      if (redirects >= (options.maxRedirects ?? 5)) throw new FetchRefusedError('too many redirects');
      url = parseHttpUrl(new URL(location, url).toString());
      continue;
    }
    return response;
  }
}

function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchRefusedError('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefusedError('only http and https URLs can be fetched');
  if (url.username || url.password) throw new FetchRefusedError('URLs with credentials are not fetched');
  return url;
}

/** The first address of `hostname` the policy allows; refuses when any resolved address is forbidden. */
async function resolveAllowed(hostname: string, policy: AddressPolicy): Promise<{ address: string; family: number }> {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const literal = isIP(bare);
  const addresses = literal !== 0 ? [{ address: bare, family: literal }] : await lookup(bare, { all: true, verbatim: true }).catch(() => []);
  if (addresses.length === 0) throw new FetchRefusedError(`cannot resolve ${hostname}`);
  // One forbidden answer is enough to refuse: a name that also points inside is not one to trust.
  if (addresses.some((a) => !policy.isAllowed(a.address))) throw new FetchRefusedError(`${hostname} resolves to an address that may not be fetched`);
  return addresses[0]!;
}

function fetchOnce(url: URL, resolved: { address: string; family: number }, options: SafeFetchOptions): Promise<FetchedResource> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Connect to the address that was checked, whatever the name resolves to now.
  const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [resolved]);
    else callback(null, resolved.address, resolved.family);
  };
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'GET',
        lookup: pinnedLookup,
        timeout: timeoutMs,
        headers: { 'User-Agent': options.userAgent ?? 'Hearth URL preview', Accept: 'text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.5' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            request.destroy(new FetchRefusedError(`response larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ url: url.toString(), status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    const deadline = setTimeout(() => request.destroy(new FetchRefusedError(`timed out after ${timeoutMs} ms`)), timeoutMs);
    request.on('close', () => clearTimeout(deadline));
    request.on('timeout', () => request.destroy(new FetchRefusedError(`timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
