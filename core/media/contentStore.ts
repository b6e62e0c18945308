/**
 * Media bytes on disk, content-addressed: a file is named by the SHA-256 of its bytes (`ab/cd/abcd…`) under the
 * media directory, so identical uploads share one file and a name can never point outside the store. Writes go
 * to a temporary file first and are renamed into place once complete, so a reader never sees half a file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, type ReadStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface StoredContent {
  readonly sha256: string;
  readonly size: number;
}

/** The stream delivered more bytes than allowed; nothing was kept. */
export class ContentTooLargeError extends Error {
  override readonly name = 'ContentTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`content is larger than ${maxBytes} bytes`);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class ContentStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  /** Where the content with this hash lives. */
  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a SHA-256 hash: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Stores a stream, refusing (and discarding) more than `maxBytes`. */
  async writeStream(source: Readable, maxBytes: number): Promise<StoredContent> {
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmp, { mode: 0o600 });
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (error: Error) => {
          source.unpipe(out);
          source.resume();
          out.destroy();
          reject(error);
        };
        source.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return fail(new ContentTooLargeError(maxBytes));
          hash.update(chunk);
        });
        source.on('error', fail);
        source.on('aborted', () => fail(new Error('upload aborted')));
        out.on('error', fail);
        out.on('finish', resolve);
        source.pipe(out);
      });
      return await this.commit(tmp, hash.digest('hex'), size);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async writeBuffer(bytes: Buffer): Promise<StoredContent> {
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'));
    await writeFile(tmp, bytes, { mode: 0o600 });
    return this.commit(tmp, createHash('sha256').update(bytes).digest('hex'), bytes.length);
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  open(sha256: string): ReadStream {
    return createReadStream(this.pathOf(sha256));
  }

  private async commit(tmp: string, sha256: string, size: number): Promise<StoredContent> {
    const target = this.pathOf(sha256);
    mkdirSync(join(target, '..'), { recursive: true, mode: 0o700 });
    // Same bytes, same name: replacing an existing file changes nothing.
    await rename(tmp, target);
    return { sha256, size };
  }
}
