/**
 * Fetching another server's media over federation: `GET /_matrix/federation/v1/media/download/{mediaId}`
 * (signed, answered as multipart/mixed), falling back to the older unauthenticated
 * `/_matrix/media/v3/download/{serverName}/{mediaId}` for servers that do not know the federation endpoint; and
 * its thumbnails, `GET /_matrix/federation/v1/media/thumbnail/{mediaId}`, made by the media's own server.
 */
import type { FederationHttpClient, RawFederationResponse } from '../federation/federationHttpClient.ts';
import { FederationRequestError } from '../federation/federationHttpClient.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { boundaryOf, MultipartError, parseMultipartMedia } from './multipartMixed.ts';
import { fileNameFromDisposition } from './contentDisposition.ts';
import type { AddressPolicy } from './addressPolicy.ts';
import { safeFetch } from './safeFetch.ts';
import type { ThumbnailSize } from './thumbnailer.ts';

export interface RemoteMedia {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly uploadName: string | null;
}

export interface RemoteMediaSource {
  fetch(serverName: string, mediaId: string, maxBytes: number): Promise<RemoteMedia>;
  /** A thumbnail made by the media's server; ThumbnailRefusedError when that server answers without one. */
  fetchThumbnail(serverName: string, mediaId: string, size: ThumbnailSize, maxBytes: number): Promise<RemoteMedia>;
}

/** The remote server answered a thumbnail request, but not with a thumbnail (too old, cannot, will not). */
export class ThumbnailRefusedError extends Error {
  override readonly name = 'ThumbnailRefusedError';
}

const FETCH_TIMEOUT_MS = 60_000;

export class FederationMediaSource implements RemoteMediaSource {
  constructor(
    private readonly client: FederationHttpClient,
    /** Where a remote server's `Location` redirect may point (never inside our network). */
    private readonly redirectPolicy: AddressPolicy,
  ) {}

  async fetch(serverName: string, mediaId: string, maxBytes: number): Promise<RemoteMedia> {
    const response = await this.get(serverName, `/_matrix/federation/v1/media/download/${encodeURIComponent(mediaId)}`, {}, maxBytes, 'multipart/mixed');
    if (response.status === 200) return this.fromMultipart(response, maxBytes);
    const errcode = errcodeOf(response);
    if ((response.status === 404 || response.status === 400 || response.status === 405) && (errcode === 'M_UNRECOGNIZED' || errcode === null)) {
      return this.legacy(serverName, mediaId, maxBytes);
    }
    throw failure(serverName, response, errcode);
  }

  async fetchThumbnail(serverName: string, mediaId: string, size: ThumbnailSize, maxBytes: number): Promise<RemoteMedia> {
    // Our thumbnails are still images, kept per size: ask for exactly that.
    const query = { width: String(size.width), height: String(size.height), method: size.method, animated: 'false' };
    const response = await this.get(serverName, `/_matrix/federation/v1/media/thumbnail/${encodeURIComponent(mediaId)}`, query, maxBytes, 'multipart/mixed');
    if (response.status === 200) return this.fromMultipart(response, maxBytes);
    const errcode = errcodeOf(response);
    // The media itself is unknown there: no original to make a thumbnail of either.
    if (response.status === 404 && errcode === 'M_NOT_FOUND') throw MatrixError.notFound('Media not found');
    throw new ThumbnailRefusedError(`${serverName} answered ${response.status}${errcode === null ? '' : ` ${errcode}`} for a thumbnail`);
  }

  private async legacy(serverName: string, mediaId: string, maxBytes: number): Promise<RemoteMedia> {
    const response = await this.get(
      serverName,
      `/_matrix/media/v3/download/${encodeURIComponent(serverName)}/${encodeURIComponent(mediaId)}`,
      { allow_remote: 'false', allow_redirect: 'true' },
      maxBytes,
      '*/*',
    );
    if (response.status !== 200) throw failure(serverName, response, errcodeOf(response));
    return {
      bytes: response.body,
      contentType: headerOf(response, 'content-type') ?? 'application/octet-stream',
      uploadName: fileNameFromDisposition(headerOf(response, 'content-disposition')),
    };
  }

  private async fromMultipart(response: RawFederationResponse, maxBytes: number): Promise<RemoteMedia> {
    const boundary = boundaryOf(headerOf(response, 'content-type'));
    if (boundary === null) throw new MatrixError(502, 'M_UNKNOWN', 'The remote server answered with something other than multipart/mixed');
    let parsed;
    try {
      parsed = parseMultipartMedia(response.body, boundary);
    } catch (error) {
      if (error instanceof MultipartError) throw new MatrixError(502, 'M_UNKNOWN', `The remote server's media response is malformed: ${error.message}`);
      throw error;
    }
    if (parsed.bytes !== null) {
      return { bytes: parsed.bytes, contentType: parsed.contentType, uploadName: fileNameFromDisposition(parsed.contentDisposition) };
    }
    const redirected = await safeFetch(parsed.location!, { policy: this.redirectPolicy, maxBytes, timeoutMs: FETCH_TIMEOUT_MS }).catch((error: Error) => {
      throw new MatrixError(502, 'M_UNKNOWN', `Could not fetch the remote media: ${error.message}`);
    });
    if (redirected.status !== 200) throw new MatrixError(502, 'M_UNKNOWN', `The remote media location answered ${redirected.status}`);
    const contentType = typeof redirected.headers['content-type'] === 'string' ? redirected.headers['content-type'] : parsed.contentType;
    return { bytes: redirected.body, contentType, uploadName: fileNameFromDisposition(parsed.contentDisposition) };
  }

  private async get(serverName: string, path: string, query: Record<string, string>, maxBytes: number, accept: string): Promise<RawFederationResponse> {
    try {
      // Room for the multipart framing around the largest accepted media.
      return await this.client.requestRaw(serverName, { method: 'GET', path, query, accept, maxResponseBytes: maxBytes + 64 * 1024, timeoutMs: FETCH_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof FederationRequestError) {
        if (/larger than/.test(error.message)) throw new MatrixError(502, 'M_TOO_LARGE', 'The remote media is larger than this server accepts');
        if (/timed out/.test(error.message)) throw new MatrixError(504, 'M_UNKNOWN', `Timed out fetching media from ${serverName}`);
        throw new MatrixError(502, 'M_UNKNOWN', `Could not reach ${serverName} to fetch media`);
      }
      throw error;
    }
  }
}

function headerOf(response: RawFederationResponse, name: string): string | null {
  const value = response.headers[name];
  return typeof value === 'string' ? value : null;
}

function errcodeOf(response: RawFederationResponse): string | null {
  try {
    const body = JSON.parse(response.body.toString('utf8')) as { errcode?: unknown };
    return typeof body.errcode === 'string' ? body.errcode : null;
  } catch {
    return null;
  }
}

function failure(serverName: string, response: RawFederationResponse, errcode: string | null): MatrixError {
  if (response.status === 404) return MatrixError.notFound('Media not found');
  if (errcode === 'M_TOO_LARGE' || response.status === 413) return new MatrixError(502, 'M_TOO_LARGE', 'The remote media is larger than the remote server serves');
  return new MatrixError(502, 'M_UNKNOWN', `${serverName} answered ${response.status} for the media`);
}
