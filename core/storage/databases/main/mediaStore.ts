/**
 * Metadata of the media repository (m0009_media.ts): local media and reservations, the cache of remote media,
 * and generated thumbnails. The bytes are in the content store, by SHA-256.
 */
import type { Database } from '../../engine/database.ts';

export interface LocalMediaRecord {
  readonly mediaId: string;
  readonly userId: string;
  readonly createdTs: number;
  /** Null while reserved by /create and not uploaded. */
  readonly content: MediaContent | null;
  readonly unusedExpiresTs: number | null;
}

export interface MediaContent {
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
  readonly uploadName: string | null;
}

export interface ThumbnailRecord {
  readonly width: number;
  readonly height: number;
  readonly method: 'crop' | 'scale';
  readonly contentType: string;
  readonly sha256: string;
  readonly size: number;
}

interface LocalRow {
  media_id: string;
  user_id: string;
  created_ts: number;
  sha256: string | null;
  size: number | null;
  content_type: string | null;
  upload_name: string | null;
  unused_expires_ts: number | null;
}

export class MediaStore {
  constructor(private readonly db: Database) {}

  getLocalMedia(mediaId: string): LocalMediaRecord | null {
    const row = this.db.prepare('SELECT * FROM local_media WHERE media_id = ?').get(mediaId) as LocalRow | undefined;
    if (!row) return null;
    return {
      mediaId: row.media_id,
      userId: row.user_id,
      createdTs: row.created_ts,
      content: row.sha256 === null ? null : { sha256: row.sha256, size: row.size ?? 0, contentType: row.content_type ?? 'application/octet-stream', uploadName: row.upload_name },
      unusedExpiresTs: row.unused_expires_ts,
    };
  }

  /** Records an upload made in one request. */
  insertLocalMedia(mediaId: string, userId: string, content: MediaContent, now: number): void {
    this.db
      .prepare(
        `INSERT INTO local_media (media_id, user_id, created_ts, sha256, size, content_type, upload_name, uploaded_ts, unused_expires_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      )
      .run(mediaId, userId, now, content.sha256, content.size, content.contentType, content.uploadName, now);
  }

  /** Reserves a media ID for a later upload (POST /create). */
  reserveLocalMedia(mediaId: string, userId: string, now: number, expiresTs: number): void {
    this.db.prepare('INSERT INTO local_media (media_id, user_id, created_ts, unused_expires_ts) VALUES (?, ?, ?, ?)').run(mediaId, userId, now, expiresTs);
  }

  /** Fills a reservation; false when it was already filled (or is gone). */
  fillReservation(mediaId: string, content: MediaContent, now: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE local_media SET sha256 = ?, size = ?, content_type = ?, upload_name = ?, uploaded_ts = ?, unused_expires_ts = NULL
           WHERE media_id = ? AND sha256 IS NULL`,
        )
        .run(content.sha256, content.size, content.contentType, content.uploadName, now, mediaId).changes === 1
    );
  }

  /** Reservations of a user that are still open. */
  countPendingReservations(userId: string, now: number): number {
    return this.db.prepare('SELECT COUNT(*) FROM local_media WHERE user_id = ? AND sha256 IS NULL AND unused_expires_ts > ?').pluck().get(userId, now) as number;
  }

  /** Drops reservations never filled before they expired. */
  deleteExpiredReservations(now: number): number {
    return this.db.prepare('DELETE FROM local_media WHERE sha256 IS NULL AND unused_expires_ts <= ?').run(now).changes;
  }

  getRemoteMedia(serverName: string, mediaId: string): MediaContent | null {
    const row = this.db.prepare('SELECT sha256, size, content_type, upload_name FROM remote_media WHERE server_name = ? AND media_id = ?').get(serverName, mediaId) as
      | { sha256: string; size: number; content_type: string; upload_name: string | null }
      | undefined;
    return row ? { sha256: row.sha256, size: row.size, contentType: row.content_type, uploadName: row.upload_name } : null;
  }

  insertRemoteMedia(serverName: string, mediaId: string, content: MediaContent, now: number): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO remote_media (server_name, media_id, sha256, size, content_type, upload_name, fetched_ts) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(serverName, mediaId, content.sha256, content.size, content.contentType, content.uploadName, now);
  }

  getThumbnail(serverName: string, mediaId: string, width: number, height: number, method: string): ThumbnailRecord | null {
    const row = this.db
      .prepare('SELECT width, height, method, content_type, sha256, size FROM media_thumbnails WHERE server_name = ? AND media_id = ? AND width = ? AND height = ? AND method = ?')
      .get(serverName, mediaId, width, height, method) as { width: number; height: number; method: 'crop' | 'scale'; content_type: string; sha256: string; size: number } | undefined;
    return row ? { width: row.width, height: row.height, method: row.method, contentType: row.content_type, sha256: row.sha256, size: row.size } : null;
  }

  insertThumbnail(serverName: string, mediaId: string, thumbnail: ThumbnailRecord, actual: { width: number; height: number }): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO media_thumbnails (server_name, media_id, width, height, method, content_type, sha256, size, actual_width, actual_height)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(serverName, mediaId, thumbnail.width, thumbnail.height, thumbnail.method, thumbnail.contentType, thumbnail.sha256, thumbnail.size, actual.width, actual.height);
  }
}
