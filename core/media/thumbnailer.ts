/**
 * Thumbnails with sharp (libvips). The sizes are the ones Synapse pre-generates (32x32 and 96x96 cropped;
 * 320x240, 640x480 and 800x600 scaled); a request is answered with the closest of them, generated on first
 * use and kept. `crop` fills the box exactly (cutting the overflow, centred); `scale` fits the image inside the
 * box keeping its aspect ratio and never enlarges it. JPEG and WebP give JPEG thumbnails; PNG and GIF give PNG,
 * keeping transparency. Images are oriented by their EXIF data first, and oversized images are refused.
 */
import sharp from 'sharp';
import { essenceOf } from './mediaContentType.ts';

export type ThumbnailMethod = 'crop' | 'scale';

export interface ThumbnailSize {
  readonly width: number;
  readonly height: number;
  readonly method: ThumbnailMethod;
}

export const THUMBNAIL_SIZES: readonly ThumbnailSize[] = [
  { width: 32, height: 32, method: 'crop' },
  { width: 96, height: 96, method: 'crop' },
  { width: 320, height: 240, method: 'scale' },
  { width: 640, height: 480, method: 'scale' },
  { width: 800, height: 600, method: 'scale' },
];

/** Source types we thumbnail, and the type of their thumbnails. */
const OUTPUT_TYPE: Readonly<Record<string, 'image/jpeg' | 'image/png'>> = {
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg',
  'image/webp': 'image/jpeg',
  'image/png': 'image/png',
  'image/gif': 'image/png',
};

/** Decoding a larger image could exhaust memory (a "decompression bomb"); Synapse's default limit. */
export const MAX_IMAGE_PIXELS = 32_000_000;

export interface Thumbnail {
  readonly bytes: Buffer;
  readonly contentType: 'image/jpeg' | 'image/png';
  readonly width: number;
  readonly height: number;
}

export class ThumbnailError extends Error {
  override readonly name = 'ThumbnailError';
}

export function canThumbnail(contentType: string): boolean {
  return essenceOf(contentType) in OUTPUT_TYPE;
}

/**
 * The pre-generated size that answers a request: the smallest of the requested method at least as large as
 * asked, else the largest of that method.
 */
export function selectThumbnailSize(width: number, height: number, method: ThumbnailMethod): ThumbnailSize {
  const candidates = THUMBNAIL_SIZES.filter((s) => s.method === method);
  const bigEnough = candidates.filter((s) => s.width >= width && s.height >= height);
  if (bigEnough.length > 0) return bigEnough.reduce((a, b) => (b.width * b.height < a.width * a.height ? b : a));
  return candidates.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

/** Makes one thumbnail of the image at `input` (a file path or its bytes). */
export async function generateThumbnail(input: string | Buffer, sourceType: string, size: ThumbnailSize): Promise<Thumbnail> {
  const outputType = OUTPUT_TYPE[essenceOf(sourceType)];
  if (!outputType) throw new ThumbnailError(`cannot thumbnail ${sourceType}`);
  try {
    let pipeline = sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS, animated: false }).rotate();
    pipeline =
      size.method === 'crop'
        ? pipeline.resize(size.width, size.height, { fit: 'cover', position: 'centre' })
        : pipeline.resize(size.width, size.height, { fit: 'inside', withoutEnlargement: true });
    pipeline = outputType === 'image/jpeg' ? pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 80, mozjpeg: false }) : pipeline.png();
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { bytes: data, contentType: outputType, width: info.width, height: info.height };
  } catch (error) {
    throw new ThumbnailError(`cannot thumbnail this image: ${(error as Error).message}`);
  }
}

/** Formats a thumbnail made elsewhere may have, by what its bytes are (never by what the sender declares). */
const THUMBNAIL_FORMATS: Readonly<Record<string, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

/** What a thumbnail made by another server is: its type and size, or null when it is no image we serve as one. */
export async function probeThumbnail(bytes: Buffer): Promise<{ contentType: string; width: number; height: number } | null> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    const contentType = meta.format === undefined ? undefined : THUMBNAIL_FORMATS[meta.format];
    if (!contentType || !meta.width || !meta.height) return null;
    return { contentType, width: meta.width, height: meta.height };
  } catch {
    return null;
  }
}
