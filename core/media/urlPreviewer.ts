/**
 * `/preview_url`: OpenGraph data of a page, for clients to show link previews. Off unless configured: fetching
 * URLs for users makes the server a proxy, so it is done only through safeFetch (no private or loopback
 * addresses, checked after DNS resolution). A page's `og:image` (or a URL that is itself an image) is fetched
 * the same way, stored as media and returned as an `mxc://` URI with its size. Results are cached for an hour.
 */
import sharp from 'sharp';
import { MatrixError } from '../handlers/matrixError.ts';
import type { MediaRepository } from './mediaRepository.ts';
import { AddressPolicy } from './addressPolicy.ts';
import { FetchRefusedError, safeFetch, type FetchedResource } from './safeFetch.ts';
import { parseOpenGraph, type OpenGraph } from './openGraph.ts';
import { essenceOf } from './mediaContentType.ts';

export interface UrlPreviewerOptions {
  readonly enabled: boolean;
  readonly ipAllowlist: readonly string[];
  readonly media: MediaRepository;
  readonly now?: () => number;
}

const MAX_PAGE_BYTES = 2 * 1024 * 1024;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const CACHE_TTL_MS = 60 * 60 * 1000;
const CACHE_MAX_ENTRIES = 1_000;
const MAX_URL_LENGTH = 2_048;

export class UrlPreviewer {
  private readonly policy: AddressPolicy;
  private readonly cache = new Map<string, { expires: number; value: Promise<OpenGraph> }>();
  private readonly now: () => number;

  constructor(private readonly options: UrlPreviewerOptions) {
    this.policy = new AddressPolicy(options.ipAllowlist);
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  async preview(userId: string, url: string): Promise<OpenGraph> {
    if (!this.options.enabled) throw MatrixError.forbidden('URL previews are disabled on this server');
    if (url.length > MAX_URL_LENGTH) throw MatrixError.invalidParam('The URL is too long');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw MatrixError.invalidParam('url is not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw MatrixError.invalidParam('Only http and https URLs can be previewed');
    const key = parsed.toString();
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && cached.expires > now) return cached.value;
    const value = this.fetchPreview(userId, key);
    this.cache.set(key, { expires: now + CACHE_TTL_MS, value });
    // Failures are not remembered; the oldest entries go first when the cache is full.
    value.catch(() => this.cache.delete(key));
    if (this.cache.size > CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  private async fetchPreview(userId: string, url: string): Promise<OpenGraph> {
    const page = await this.fetch(url, MAX_PAGE_BYTES);
    const type = essenceOf(headerString(page, 'content-type') ?? 'application/octet-stream');
    if (type.startsWith('image/')) return this.imageProperties(userId, page, type);
    if (type !== 'text/html' && type !== 'application/xhtml+xml') return { 'og:url': page.url };
    const og = parseOpenGraph(page.body.toString('utf8'));
    og['og:url'] ??= page.url;
    const imageUrl = og['og:image'];
    delete og['og:image'];
    if (typeof imageUrl === 'string' && imageUrl !== '') {
      try {
        const absolute = new URL(imageUrl, page.url).toString();
        const image = await this.fetch(absolute, MAX_IMAGE_BYTES);
        const imageType = essenceOf(headerString(image, 'content-type') ?? '');
        if (imageType.startsWith('image/')) Object.assign(og, await this.imageProperties(userId, image, imageType));
      } catch {
        // A preview without its image is still a preview.
      }
    }
    return og;
  }

  private async imageProperties(userId: string, resource: FetchedResource, contentType: string): Promise<OpenGraph> {
    const name = decodeURIComponent(new URL(resource.url).pathname.split('/').pop() ?? '') || null;
    const mxc = await this.options.media.storeBytes(userId, resource.body, contentType, name);
    const og: OpenGraph = { 'og:image': mxc, 'og:image:type': contentType, 'matrix:image:size': resource.body.length };
    try {
      const metadata = await sharp(resource.body, { limitInputPixels: 32_000_000 }).metadata();
      if (metadata.width) og['og:image:width'] = metadata.width;
      if (metadata.height) og['og:image:height'] = metadata.height;
    } catch {
      // Not an image sharp can read: no dimensions.
    }
    return og;
  }

  private async fetch(url: string, maxBytes: number): Promise<FetchedResource> {
    let response: FetchedResource;
    try {
      response = await safeFetch(url, { policy: this.policy, maxBytes });
    } catch (error) {
      if (error instanceof FetchRefusedError) throw MatrixError.forbidden(`Cannot preview this URL: ${error.message}`);
      throw new MatrixError(502, 'M_UNKNOWN', `Could not fetch the URL: ${(error as Error).message}`);
    }
    if (response.status !== 200) throw new MatrixError(502, 'M_UNKNOWN', `The URL answered ${response.status}`);
    return response;
  }
}

function headerString(resource: FetchedResource, name: string): string | null {
  const value = resource.headers[name];
  return typeof value === 'string' ? value : null;
}
