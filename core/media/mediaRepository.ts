/**
 * The media repository: uploads (in one request, or reserved with /create and uploaded later), downloads of
 * local media and of remote media (fetched over federation once and cached), and thumbnails (made on first
 * request at the closest pre-generated size and kept; remote media's are asked of its server first). Bytes are content-addressed files (contentStore.ts);
 * metadata is in SQLite (mediaStore.ts).
 */
import { EventEmitter } from 'node:events';
import type { ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { MediaContent, MediaStore } from '../storage/databases/main/mediaStore.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { ContentStore, ContentTooLargeError } from './contentStore.ts';
import { mxcUri, newMediaId } from './mediaId.ts';
import { normalizeContentType } from './mediaContentType.ts';
import { sanitizeFileName } from './contentDisposition.ts';
import { canThumbnail, generateThumbnail, probeThumbnail, selectThumbnailSize, ThumbnailError, type ThumbnailMethod, type ThumbnailSize } from './thumbnailer.ts';
import { ThumbnailRefusedError, type RemoteMediaSource } from './remoteMediaSource.ts';

/** Reservations made by /create expire after a day unless filled (the spec's recommendation). */
export const RESERVATION_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Open reservations per user; more is 429 M_LIMIT_EXCEEDED. */
export const MAX_PENDING_RESERVATIONS = 5;
/** How long a download waits for a reserved upload by default (the spec's `timeout_ms`), and at most. */
export const DEFAULT_UPLOAD_WAIT_MS = 20_000;
export const MAX_UPLOAD_WAIT_MS = 120_000;

export interface MediaFile {
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
  readonly uploadName: string | null;
  open(): ReadStream;
}

export interface UploadDetails {
  /** The request's Content-Type. */
  readonly contentType: string | null;
  /** The `filename` query parameter. */
  readonly fileName: string | null;
}

export interface ReadOptions {
  /** Fetch media of other servers (false: only what is here or cached). */
  readonly allowRemote: boolean;
  /** How long to wait for a reserved upload that has not arrived yet. */
  readonly waitMs: number;
}

export interface MediaRepositoryOptions {
  readonly store: MediaStore;
  readonly serverName: string;
  /** Where media files live (a folder of the data directory). */
  readonly mediaDir: string;
  readonly maxUploadBytes: number;
  readonly now?: () => number;
}

export class MediaRepository {
  readonly content: ContentStore;
  private remote: RemoteMediaSource | null = null;
  private readonly store: MediaStore;
  private readonly now: () => number;
  /** Emits the media ID when a reservation is filled, waking downloads that wait for it. */
  private readonly filled = new EventEmitter();
  private readonly remoteFetches = new Map<string, Promise<MediaContent>>();
  private readonly thumbnailJobs = new Map<string, Promise<MediaFile>>();

  constructor(private readonly options: MediaRepositoryOptions) {
    this.store = options.store;
    this.content = new ContentStore(options.mediaDir);
    this.now = options.now ?? Date.now;
    this.filled.setMaxListeners(0);
  }

  get serverName(): string {
    return this.options.serverName;
  }

  get maxUploadBytes(): number {
    return this.options.maxUploadBytes;
  }

  /** Plugs in federation's media fetching (built after the handlers). */
  setRemote(source: RemoteMediaSource | null): void {
    this.remote = source;
  }

  /** `/media/config`. */
  config(): { 'm.upload.size': number } {
    return { 'm.upload.size': this.options.maxUploadBytes };
  }

  /** POST /upload: stores the body and returns its `mxc://` URI. */
  async upload(userId: string, body: Readable, details: UploadDetails): Promise<string> {
    const content = await this.receive(body, details);
    const mediaId = newMediaId();
    this.store.insertLocalMedia(mediaId, userId, content, this.now());
    return mxcUri(this.serverName, mediaId);
  }

  /** Stores bytes the server made or fetched itself (URL preview images). */
  async storeBytes(userId: string, bytes: Buffer, contentType: string, fileName: string | null): Promise<string> {
    if (bytes.length > this.options.maxUploadBytes) throw tooLarge(this.options.maxUploadBytes);
    const stored = await this.content.writeBuffer(bytes);
    const mediaId = newMediaId();
    this.store.insertLocalMedia(mediaId, userId, { ...stored, contentType: normalizeContentType(contentType), uploadName: sanitizeFileName(fileName) }, this.now());
    return mxcUri(this.serverName, mediaId);
  }

  /** POST /create: reserves a media ID for a later upload. */
  reserve(userId: string): { content_uri: string; unused_expires_at: number } {
    const now = this.now();
    this.store.deleteExpiredReservations(now);
    if (this.store.countPendingReservations(userId, now) >= MAX_PENDING_RESERVATIONS) {
      throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many pending media uploads', { retry_after_ms: 60_000 });
    }
    const mediaId = newMediaId();
    const expires = now + RESERVATION_LIFETIME_MS;
    this.store.reserveLocalMedia(mediaId, userId, now, expires);
    return { content_uri: mxcUri(this.serverName, mediaId), unused_expires_at: expires };
  }

  /** PUT /upload/{serverName}/{mediaId}: fills a reservation made by the same user. */
  async uploadReserved(userId: string, serverName: string, mediaId: string, body: Readable, details: UploadDetails): Promise<void> {
    if (serverName !== this.serverName) throw MatrixError.notFound('Unknown media ID');
    const record = this.store.getLocalMedia(mediaId);
    if (!record || (record.content === null && record.unusedExpiresTs !== null && record.unusedExpiresTs <= this.now())) {
      throw MatrixError.notFound('Unknown media ID');
    }
    if (record.userId !== userId) throw MatrixError.forbidden('This media ID was created by another user');
    if (record.content !== null) throw new MatrixError(409, 'M_CANNOT_OVERWRITE_MEDIA', 'Media already uploaded');
    const content = await this.receive(body, details);
    if (!this.store.fillReservation(mediaId, content, this.now())) throw new MatrixError(409, 'M_CANNOT_OVERWRITE_MEDIA', 'Media already uploaded');
    this.filled.emit(mediaId);
  }

  /** The media for a download: local (waiting for a reserved upload), or remote (fetched once, then cached). */
  async getMedia(serverName: string, mediaId: string, options: ReadOptions): Promise<MediaFile> {
    const content = serverName === this.serverName ? await this.localContent(mediaId, options.waitMs) : await this.remoteContent(serverName, mediaId, options.allowRemote);
    return this.fileOf(content);
  }

  /**
   * A thumbnail of the media at the closest pre-generated size. Remote media's thumbnails are asked of its server
   * (and kept); only when that server refuses is one made here from the original.
   */
  async getThumbnail(serverName: string, mediaId: string, width: number, height: number, method: ThumbnailMethod, options: ReadOptions): Promise<MediaFile> {
    const size = selectThumbnailSize(width, height, method);
    const isLocal = serverName === this.serverName;
    if (!isLocal) {
      const existing = await this.storedThumbnail(serverName, mediaId, size, null);
      if (existing) return existing;
    }
    const original = isLocal ? await this.localContent(mediaId, options.waitMs) : null;
    if (original) {
      if (!canThumbnail(original.contentType)) throw cannotThumbnail(original.contentType);
      const existing = await this.storedThumbnail(serverName, mediaId, size, original.uploadName);
      if (existing) return existing;
    }

    const key = `${serverName}/${mediaId}/${size.width}x${size.height}/${size.method}`;
    let job = this.thumbnailJobs.get(key);
    if (!job) {
      job = (async () => {
        if (original) return this.makeThumbnail(serverName, mediaId, original, size);
        const fetched = await this.remoteThumbnail(serverName, mediaId, size, options.allowRemote);
        if (fetched) return fetched;
        const remoteOriginal = await this.remoteContent(serverName, mediaId, options.allowRemote);
        if (!canThumbnail(remoteOriginal.contentType)) throw cannotThumbnail(remoteOriginal.contentType);
        return this.makeThumbnail(serverName, mediaId, remoteOriginal, size);
      })().finally(() => this.thumbnailJobs.delete(key));
      this.thumbnailJobs.set(key, job);
    }
    return job;
  }

  private async storedThumbnail(serverName: string, mediaId: string, size: ThumbnailSize, uploadName: string | null): Promise<MediaFile | null> {
    const existing = this.store.getThumbnail(serverName, mediaId, size.width, size.height, size.method);
    if (!existing || !(await this.content.exists(existing.sha256))) return null;
    return this.fileOf({ ...existing, uploadName: thumbnailName(uploadName, existing.contentType) });
  }

  /** Generates, stores and records a thumbnail of media whose original is here. */
  private async makeThumbnail(serverName: string, mediaId: string, original: MediaContent, size: ThumbnailSize): Promise<MediaFile> {
    let thumbnail;
    try {
      thumbnail = await generateThumbnail(this.content.pathOf(original.sha256), original.contentType, size);
    } catch (error) {
      if (error instanceof ThumbnailError) throw new MatrixError(400, 'M_UNKNOWN', error.message);
      throw error;
    }
    const stored = await this.content.writeBuffer(thumbnail.bytes);
    this.store.insertThumbnail(serverName, mediaId, { ...size, contentType: thumbnail.contentType, ...stored }, { width: thumbnail.width, height: thumbnail.height });
    return this.fileOf({ ...stored, contentType: thumbnail.contentType, uploadName: thumbnailName(original.uploadName, thumbnail.contentType) });
  }

  /**
   * The thumbnail made by the media's server, stored and recorded; null when it refuses or sends something that
   * is no image (then one is made here), or when we may not ask. Unreachable, it is made here if the original is.
   */
  private async remoteThumbnail(serverName: string, mediaId: string, size: ThumbnailSize, allowRemote: boolean): Promise<MediaFile | null> {
    const remote = this.remote;
    if (!allowRemote || !remote) return null;
    let fetched;
    try {
      fetched = await remote.fetchThumbnail(serverName, mediaId, size, this.options.maxUploadBytes);
    } catch (error) {
      if (error instanceof ThumbnailRefusedError) return null;
      const unreachable = error instanceof MatrixError && error.status >= 502;
      if (unreachable && (await this.cachedRemoteContent(serverName, mediaId))) return null;
      throw error;
    }
    const image = await probeThumbnail(fetched.bytes);
    if (!image) return null;
    const stored = await this.content.writeBuffer(fetched.bytes);
    this.store.insertThumbnail(serverName, mediaId, { ...size, contentType: image.contentType, ...stored }, { width: image.width, height: image.height });
    return this.fileOf({ ...stored, contentType: image.contentType, uploadName: null });
  }

  private fileOf(content: { sha256: string; size: number; contentType: string; uploadName: string | null }): MediaFile {
    const store = this.content;
    return {
      sha256: content.sha256,
      size: content.size,
      contentType: content.contentType,
      uploadName: content.uploadName,
      open: () => store.open(content.sha256),
    };
  }

  private async receive(body: Readable, details: UploadDetails): Promise<MediaContent> {
    let stored;
    try {
      stored = await this.content.writeStream(body, this.options.maxUploadBytes);
    } catch (error) {
      if (error instanceof ContentTooLargeError) throw tooLarge(this.options.maxUploadBytes);
      throw error;
    }
    return { ...stored, contentType: normalizeContentType(details.contentType), uploadName: sanitizeFileName(details.fileName) };
  }

  private async localContent(mediaId: string, waitMs: number): Promise<MediaContent> {
    let record = this.store.getLocalMedia(mediaId);
    if (!record) throw MatrixError.notFound('Media not found');
    if (record.content === null) {
      if (record.unusedExpiresTs !== null && record.unusedExpiresTs <= this.now()) throw MatrixError.notFound('Media not found');
      await this.waitForUpload(mediaId, Math.min(waitMs, MAX_UPLOAD_WAIT_MS));
      record = this.store.getLocalMedia(mediaId);
      if (!record?.content) throw new MatrixError(504, 'M_NOT_YET_UPLOADED', 'The media has not been uploaded yet');
    }
    return record.content!;
  }

  private waitForUpload(mediaId: string, waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.filled.off(mediaId, done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      timer.unref();
      this.filled.on(mediaId, done);
      // Filled between the read and subscribing (or by another process sharing the database).
      if (this.store.getLocalMedia(mediaId)?.content) done();
    });
  }

  private async cachedRemoteContent(serverName: string, mediaId: string): Promise<MediaContent | null> {
    const cached = this.store.getRemoteMedia(serverName, mediaId);
    return cached && (await this.content.exists(cached.sha256)) ? cached : null;
  }

  private async remoteContent(serverName: string, mediaId: string, allowRemote: boolean): Promise<MediaContent> {
    const cached = await this.cachedRemoteContent(serverName, mediaId);
    if (cached) return cached;
    if (!allowRemote) throw MatrixError.notFound('Media not found (remote media is not fetched for this request)');
    const remote = this.remote;
    if (!remote) throw MatrixError.notFound('Media not found (this server does not fetch remote media)');
    const key = `${serverName}/${mediaId}`;
    let fetch = this.remoteFetches.get(key);
    if (!fetch) {
      fetch = (async () => {
        const fetched = await remote.fetch(serverName, mediaId, this.options.maxUploadBytes);
        if (fetched.bytes.length > this.options.maxUploadBytes) throw new MatrixError(502, 'M_TOO_LARGE', 'The remote media is larger than this server accepts');
        const stored = await this.content.writeBuffer(fetched.bytes);
        const content: MediaContent = { ...stored, contentType: normalizeContentType(fetched.contentType), uploadName: sanitizeFileName(fetched.uploadName) };
        this.store.insertRemoteMedia(serverName, mediaId, content, this.now());
        return content;
      })().finally(() => this.remoteFetches.delete(key));
      this.remoteFetches.set(key, fetch);
    }
    return fetch;
  }
}

function cannotThumbnail(contentType: string): MatrixError {
  return new MatrixError(400, 'M_UNKNOWN', `Cannot generate thumbnails of ${contentType}`);
}

function tooLarge(maxBytes: number): MatrixError {
  return new MatrixError(413, 'M_TOO_LARGE', `Upload is larger than the limit of ${maxBytes} bytes`);
}

/** `photo.png` becomes `photo.jpeg` when its thumbnail is a JPEG (the name a save dialog suggests). */
function thumbnailName(uploadName: string | null, contentType: string): string | null {
  if (!uploadName) return null;
  const extension = contentType === 'image/jpeg' ? 'jpeg' : 'png';
  return `${uploadName.replace(/\.[^.]*$/, '')}.${extension}`;
}
