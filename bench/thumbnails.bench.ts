/**
 * Thumbnail generation for a 2-megapixel JPEG (1633x1225): the media repository answering first requests for a
 * 96x96 crop (sharp through our thumbnailer, the thumbnail stored content-addressed and recorded in SQLite) on
 * media never thumbnailed before, against a plain sharp resize of the same file to the same size, in the same
 * run. Reported in thumbnails per second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { measure, ratio, type Benchmark } from './harness.ts';
import { openDataDirectory } from '../core/storage/dataDirectory.ts';
import { MediaStore } from '../core/storage/databases/main/mediaStore.ts';
import { MediaRepository } from '../core/media/mediaRepository.ts';

const WIDTH = 1633;
const HEIGHT = 1225;

async function twoMegapixelJpeg(): Promise<Buffer> {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      pixels[i] = (x * 7 + y * 3) & 0xff;
      pixels[i + 1] = (x * y) & 0xff;
      pixels[i + 2] = (x ^ y) & 0xff;
    }
  }
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

const benchmark: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-thumbs-'));
  const data = openDataDirectory(join(dir, 'data'), { serverName: 'bench.test' });
  try {
    const jpeg = await twoMegapixelJpeg();
    const file = join(dir, 'photo.jpg');
    writeFileSync(file, jpeg);
    const store = new MediaStore(data.db);
    const media = new MediaRepository({ store, serverName: 'bench.test', mediaDir: join(dir, 'data', 'media'), maxUploadBytes: 50 * 1024 * 1024 });
    const stored = await media.content.writeBuffer(jpeg);
    // Many media IDs for the same bytes, made up front: each request is a first request (no thumbnail for that
    // ID yet), and the rows' inserts are not part of what is measured.
    const ids = Array.from({ length: Number(process.env.BENCH_THUMBNAIL_IDS ?? 5000) }, (_, i) => `bench${i}`);
    data.db.transaction(() => {
      for (const id of ids) store.insertLocalMedia(id, '@bench:bench.test', { ...stored, contentType: 'image/jpeg', uploadName: 'photo.jpg' }, Date.now());
    })();
    let next = 0;
    const newMediaId = () => {
      if (next >= ids.length) throw new Error('BENCH_THUMBNAIL_IDS is too small for BENCH_MIN_MS');
      return ids[next++]!;
    };
    const options = { allowRemote: false, waitMs: 0 };
    const subject = await measure('media repository, first 96x96 crop thumbnail (generate, store, record)', async () => {
      await media.getThumbnail('bench.test', newMediaId(), 96, 96, 'crop', options);
    }, { warmupCalls: 3 });
    const baseline = await measure('plain sharp resize to 96x96 of the same file', async () => {
      await sharp(file).resize(96, 96, { fit: 'cover' }).jpeg().toBuffer();
    }, { warmupCalls: 3 });
    return [ratio(`Thumbnails of a 2-megapixel JPEG (${(jpeg.length / 1024).toFixed(0)} KiB)`, subject, baseline)];
  } finally {
    data.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

export default benchmark;
