import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { finished, Transform } from 'node:stream';

/** The stream was longer than the limit; nothing was kept. */
export class ContentTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`The content is larger than ${limitBytes} bytes.`);
    this.name = 'ContentTooLargeError';
  }
}

export interface StoredFile {
  sha256: string;
  sizeBytes: number;
}

/**
 * Content-addressed files under one folder: each file is named by the SHA-256 of its bytes, so
 * identical content is stored once. Files are written to `tmp/` first and renamed into place, so a
 * reader never sees a partial file.
 */
export class MediaFileStore {
  constructor(private readonly root: string) {}

  /** Stores a stream, reading at most `limitBytes`; throws ContentTooLargeError past it. */
  async putStream(input: Readable, limitBytes: number): Promise<StoredFile> {
    const tempPath = join(this.root, 'tmp', randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sizeBytes += chunk.length;
        if (sizeBytes > limitBytes) {
          done(new ContentTooLargeError(limitBytes));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // The input is piped by hand so that an oversized upload stops being read without destroying
    // the request, which lets the caller still send its 413 response.
    const written = pipeline(meter, createWriteStream(tempPath, { flags: 'wx' }));
    finished(input, (error) => {
      if (error) meter.destroy(error);
    });
    input.pipe(meter);
    try {
      await written;
    } catch (error) {
      input.unpipe(meter);
      await rm(tempPath, { force: true });
      throw error;
    }
    const sha256 = hash.digest('hex');
    await this.moveIntoPlace(tempPath, sha256);
    return { sha256, sizeBytes };
  }

  /** Stores bytes already in memory, such as a generated thumbnail. */
  async putBuffer(bytes: Buffer): Promise<StoredFile> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const tempPath = join(this.root, 'tmp', randomBytes(12).toString('hex'));
    await writeFile(tempPath, bytes, { flag: 'wx' });
    await this.moveIntoPlace(tempPath, sha256);
    return { sha256, sizeBytes: bytes.length };
  }

  /** Opens a stored file; the caller has checked that the hash is recorded. */
  open(sha256: string): ReadStream {
    return createReadStream(this.pathOf(sha256));
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`Invalid content hash "${sha256}".`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async exists(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(() => true, () => false);
  }

  private async moveIntoPlace(tempPath: string, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    if (await this.exists(sha256)) {
      await rm(tempPath, { force: true });
      return;
    }
    await mkdir(join(target, '..'), { recursive: true });
    // rename replaces atomically, so two uploads of the same bytes racing here both end well.
    await rename(tempPath, target);
  }
}
