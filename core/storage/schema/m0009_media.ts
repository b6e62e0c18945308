import type { Migration } from '../engine/migrations.ts';

/**
 * The media repository: metadata of media uploaded here (or reserved by `/create` and not uploaded yet), of
 * remote media fetched over federation, and of generated thumbnails. The bytes live in files named by their
 * SHA-256 under the data directory, so identical uploads share one file.
 */
export const m0009Media: Migration = {
  version: 9,
  name: 'media',
  up(db) {
    db.exec(`
      CREATE TABLE local_media (
        media_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_ts INTEGER NOT NULL,
        -- Null until the content is uploaded (a reservation made by POST /create).
        sha256 TEXT,
        size INTEGER,
        content_type TEXT,
        upload_name TEXT,
        uploaded_ts INTEGER,
        -- For reservations: when an unused media ID is given up.
        unused_expires_ts INTEGER
      );
      CREATE INDEX local_media_pending ON local_media (user_id, unused_expires_ts) WHERE sha256 IS NULL;

      CREATE TABLE remote_media (
        server_name TEXT NOT NULL,
        media_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        upload_name TEXT,
        fetched_ts INTEGER NOT NULL,
        PRIMARY KEY (server_name, media_id)
      );

      -- Thumbnails of local and remote media (server_name is ours for local media).
      CREATE TABLE media_thumbnails (
        server_name TEXT NOT NULL,
        media_id TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        method TEXT NOT NULL,
        content_type TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        -- The thumbnail's real size (a scaled thumbnail keeps the image's aspect ratio).
        actual_width INTEGER NOT NULL,
        actual_height INTEGER NOT NULL,
        PRIMARY KEY (server_name, media_id, width, height, method)
      );
    `);
  },
};
