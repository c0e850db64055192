import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import type { MediaContent, MediaRecord, MediaStore, ThumbnailRecord } from '../storage/media.js';
import { ContentTooLargeError, type MediaFileStore } from './file-store.js';
import { chooseThumbnailSize, isThumbnailable, renderThumbnail, ThumbnailError, type ThumbnailMethod } from './thumbnailer.js';

export interface MediaServiceDeps {
  store: MediaStore;
  files: MediaFileStore;
  serverName: string;
  maxUploadSize: number;
  logger: Logger;
  now?: () => number;
}

export interface UploadInput {
  body: Readable;
  contentType: string | undefined;
  fileName: string | undefined;
  /** The request's Content-Length, checked before any byte is read. */
  declaredLength: number | undefined;
}

export interface MediaFile {
  stream: Readable;
  sizeBytes: number;
  contentType: string | undefined;
  fileName: string | undefined;
}

/** How long an id from `/create` waits for its upload, as Synapse's default `unused_expiration_time`. */
const UNUSED_EXPIRATION_MS = 24 * 60 * 60 * 1000;
/** Ids from `/create` a user may hold without content at once, as Synapse's `max_pending_media_uploads`. */
const MAX_PENDING_UPLOADS = 5;
/** The spec's default for `timeout_ms` when a download waits for content that has not arrived. */
const DEFAULT_WAIT_MS = 20_000;
const MAX_WAIT_MS = 120_000;
/** Thumbnail sources are read into memory for sharp; larger files are not thumbnailed. */
const MAX_THUMBNAIL_SOURCE_BYTES = 64 * 1024 * 1024;

/** Upload, download and thumbnails of this server's media. Remote media needs federation, which Lattice lacks. */
export class MediaService {
  private readonly now: () => number;
  /** Wakes downloads that wait for content of an id from `/create`. */
  private readonly arrivals = new EventEmitter();

  constructor(private readonly deps: MediaServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.arrivals.setMaxListeners(0);
  }

  get maxUploadSize(): number {
    return this.deps.maxUploadSize;
  }

  /** Stores an upload under a new media id and returns its `mxc://` URI. */
  async upload(userId: string, input: UploadInput): Promise<string> {
    const content = await this.storeContent(input);
    const mediaId = newMediaId();
    await this.deps.store.insertUploaded(mediaId, userId, content, this.now());
    this.deps.logger.info({ userId, mediaId, sizeBytes: content.sizeBytes }, 'media uploaded');
    return this.mxcUri(mediaId);
  }

  /** Reserves a media id for a later upload by the same user. */
  async create(userId: string): Promise<{ contentUri: string; unusedExpiresAt: number }> {
    const now = this.now();
    if ((await this.deps.store.countPending(userId, now)) >= MAX_PENDING_UPLOADS) {
      throw new MatrixError('M_LIMIT_EXCEEDED', `You have ${MAX_PENDING_UPLOADS} media ids awaiting upload; upload to them before creating more.`, {
        status: 429, extra: { retry_after_ms: 60_000 },
      });
    }
    const mediaId = newMediaId();
    const unusedExpiresAt = now + UNUSED_EXPIRATION_MS;
    await this.deps.store.insertPending(mediaId, userId, now, unusedExpiresAt);
    return { contentUri: this.mxcUri(mediaId), unusedExpiresAt };
  }

  /** Uploads the content of an id reserved with `create`. */
  async uploadTo(userId: string, serverName: string, mediaId: string, input: UploadInput): Promise<void> {
    const record = await this.requireLocal(serverName, mediaId);
    if (record.userId !== userId) throw new MatrixError('M_FORBIDDEN', 'This media id was created by another user.');
    if (record.content) throw new MatrixError('M_CANNOT_OVERWRITE_MEDIA', 'This media id already has content.');
    if (record.unusedExpiresTs !== undefined && record.unusedExpiresTs <= this.now()) {
      throw new MatrixError('M_NOT_FOUND', 'This media id expired before content was uploaded; create a new one.');
    }
    const content = await this.storeContent(input);
    if (!(await this.deps.store.fillPending(mediaId, content, this.now()))) {
      throw new MatrixError('M_CANNOT_OVERWRITE_MEDIA', 'This media id already has content.');
    }
    this.deps.logger.info({ userId, mediaId, sizeBytes: content.sizeBytes }, 'media uploaded');
    this.arrivals.emit(mediaId);
  }

  /** Opens a file for download, waiting up to `timeoutMs` for content that is still being uploaded. */
  async download(serverName: string, mediaId: string, timeoutMs: number | undefined): Promise<MediaFile> {
    const content = await this.awaitContent(serverName, mediaId, timeoutMs);
    return {
      stream: this.deps.files.open(content.sha256),
      sizeBytes: content.sizeBytes,
      contentType: content.contentType,
      fileName: content.uploadName,
    };
  }

  /** Returns a thumbnail of at least the requested size, generating and caching it on first use. */
  async thumbnail(serverName: string, mediaId: string, request: { width: number; height: number; method: ThumbnailMethod; timeoutMs?: number }): Promise<MediaFile> {
    const content = await this.awaitContent(serverName, mediaId, request.timeoutMs);
    if (!isThumbnailable(content.contentType)) {
      throw new MatrixError('M_UNKNOWN', `Media of type ${content.contentType ?? 'unknown'} cannot be thumbnailed.`, { status: 400 });
    }
    const size = chooseThumbnailSize(request.width, request.height, request.method);
    const cached = await this.deps.store.getThumbnail(mediaId, size.width, size.height, size.method);
    const thumbnail = cached ?? (await this.generateThumbnail(mediaId, content, size));
    return { stream: this.deps.files.open(thumbnail.sha256), sizeBytes: thumbnail.sizeBytes, contentType: thumbnail.contentType, fileName: undefined };
  }

  private async generateThumbnail(mediaId: string, content: MediaContent, size: ReturnType<typeof chooseThumbnailSize>): Promise<ThumbnailRecord> {
    if (content.sizeBytes > MAX_THUMBNAIL_SOURCE_BYTES) throw new MatrixError('M_TOO_LARGE', 'The image is too large to thumbnail.');
    const source = await readAll(this.deps.files.open(content.sha256));
    let rendered;
    try {
      rendered = await renderThumbnail(source, content.contentType ?? '', size);
    } catch (error) {
      if (!(error instanceof ThumbnailError)) throw error;
      this.deps.logger.debug({ mediaId, err: error.cause }, 'thumbnail not generated');
      if (error.reason === 'too_large') throw new MatrixError('M_TOO_LARGE', error.message);
      throw new MatrixError('M_UNKNOWN', error.message, { status: 400 });
    }
    const stored = await this.deps.files.putBuffer(rendered.bytes);
    const record: ThumbnailRecord = { ...size, sha256: stored.sha256, sizeBytes: stored.sizeBytes, contentType: rendered.contentType };
    await this.deps.store.putThumbnail(mediaId, record, this.now());
    return record;
  }

  private async storeContent(input: UploadInput): Promise<MediaContent> {
    const limit = this.deps.maxUploadSize;
    if (input.declaredLength !== undefined && input.declaredLength > limit) {
      input.body.resume();
      throw tooLarge(limit);
    }
    try {
      const stored = await this.deps.files.putStream(input.body, limit);
      return { ...stored, contentType: input.contentType, uploadName: input.fileName };
    } catch (error) {
      if (error instanceof ContentTooLargeError) throw tooLarge(limit);
      throw error;
    }
  }

  private async requireLocal(serverName: string, mediaId: string): Promise<MediaRecord> {
    // NOTE: media of other servers needs federation, which Lattice does not have yet, so it is not found.
    const record = serverName === this.deps.serverName ? await this.deps.store.get(mediaId) : undefined;
    if (!record) throw new MatrixError('M_NOT_FOUND', `The media mxc://${serverName}/${mediaId} does not exist.`);
    return record;
  }

  private async awaitContent(serverName: string, mediaId: string, timeoutMs: number | undefined): Promise<MediaContent> {
    const record = await this.requireLocal(serverName, mediaId);
    if (record.content) return record.content;
    if (record.unusedExpiresTs !== undefined && record.unusedExpiresTs <= this.now()) {
      throw new MatrixError('M_NOT_FOUND', `The media mxc://${serverName}/${mediaId} does not exist.`);
    }
    // NOTE: the wake-up is in-process; with several Lattice processes, a download waits its full
    // timeout unless the upload reached the same process.
    await this.waitForArrival(mediaId, Math.min(timeoutMs ?? DEFAULT_WAIT_MS, MAX_WAIT_MS));
    const after = await this.requireLocal(serverName, mediaId);
    if (!after.content) throw new MatrixError('M_NOT_YET_UPLOADED', 'The content of this media id has not been uploaded yet.');
    return after.content;
  }

  private waitForArrival(mediaId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.arrivals.off(mediaId, done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.arrivals.once(mediaId, done);
    });
  }

  private mxcUri(mediaId: string): string {
    return `mxc://${this.deps.serverName}/${mediaId}`;
  }
}

function tooLarge(limit: number): MatrixError {
  return new MatrixError('M_TOO_LARGE', `The upload is larger than this server's limit of ${limit} bytes.`);
}

/** Random 24-character ids from the alphabet the spec allows in media ids. */
function newMediaId(): string {
  return randomBytes(18).toString('base64url');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
