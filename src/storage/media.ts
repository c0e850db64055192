import type { Db } from './database.js';

/** Tables of the media repository, added to the shared schema type only inside this store. */
type MediaTables = {
  local_media: {
    media_id: string;
    user_id: string;
    created_ts: number;
    sha256: string | null;
    size_bytes: number | null;
    content_type: string | null;
    upload_name: string | null;
    uploaded_ts: number | null;
    unused_expires_ts: number | null;
  };
  local_media_thumbnails: {
    media_id: string;
    width: number;
    height: number;
    method: string;
    sha256: string;
    size_bytes: number;
    content_type: string;
    created_ts: number;
  };
};

/** A media id of this server; `content` is undefined while an id made by `/create` awaits its upload. */
export interface MediaRecord {
  mediaId: string;
  userId: string;
  createdTs: number;
  /** Time after which an id that never received content is no longer accepted. */
  unusedExpiresTs: number | undefined;
  content: MediaContent | undefined;
}

export interface MediaContent {
  sha256: string;
  sizeBytes: number;
  contentType: string | undefined;
  uploadName: string | undefined;
}

export interface ThumbnailRecord {
  width: number;
  height: number;
  method: 'crop' | 'scale';
  sha256: string;
  sizeBytes: number;
  contentType: string;
}

/** Media ids of this server and their cached thumbnails; the files themselves are in the media store folder. */
export class MediaStore {
  private readonly db;

  constructor(db: Db) {
    this.db = db.withTables<MediaTables>();
  }

  /** Inserts a media id that already has content. Fails on a duplicate id, which random ids make unlikely. */
  async insertUploaded(mediaId: string, userId: string, content: MediaContent, now: number): Promise<void> {
    await this.db.insertInto('local_media').values({
      media_id: mediaId, user_id: userId, created_ts: now, uploaded_ts: now, unused_expires_ts: null, ...contentColumns(content),
    }).execute();
  }

  /** Inserts a media id reserved by `/create`, without content. */
  async insertPending(mediaId: string, userId: string, now: number, expiresTs: number): Promise<void> {
    await this.db.insertInto('local_media').values({
      media_id: mediaId, user_id: userId, created_ts: now, unused_expires_ts: expiresTs,
      sha256: null, size_bytes: null, content_type: null, upload_name: null, uploaded_ts: null,
    }).execute();
  }

  /** Sets the content of a pending id; returns false, writing nothing, when it already has content. */
  async fillPending(mediaId: string, content: MediaContent, now: number): Promise<boolean> {
    const result = await this.db.updateTable('local_media')
      .set({ ...contentColumns(content), uploaded_ts: now })
      .where('media_id', '=', mediaId)
      .where('sha256', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async get(mediaId: string): Promise<MediaRecord | undefined> {
    const row = await this.db.selectFrom('local_media').selectAll().where('media_id', '=', mediaId).executeTakeFirst();
    if (!row) return undefined;
    const content = row.sha256 === null ? undefined : {
      sha256: row.sha256,
      sizeBytes: Number(row.size_bytes ?? 0),
      contentType: row.content_type ?? undefined,
      uploadName: row.upload_name ?? undefined,
    };
    return {
      mediaId: row.media_id,
      userId: row.user_id,
      createdTs: Number(row.created_ts),
      unusedExpiresTs: row.unused_expires_ts === null ? undefined : Number(row.unused_expires_ts),
      content,
    };
  }

  /** Counts the user's ids that still await content and have not expired at `now`. */
  async countPending(userId: string, now: number): Promise<number> {
    const row = await this.db.selectFrom('local_media')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('user_id', '=', userId)
      .where('sha256', 'is', null)
      .where('unused_expires_ts', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async getThumbnail(mediaId: string, width: number, height: number, method: string): Promise<ThumbnailRecord | undefined> {
    const row = await this.db.selectFrom('local_media_thumbnails').selectAll()
      .where('media_id', '=', mediaId).where('width', '=', width).where('height', '=', height).where('method', '=', method)
      .executeTakeFirst();
    return row && {
      width: row.width, height: row.height, method: row.method as ThumbnailRecord['method'],
      sha256: row.sha256, sizeBytes: Number(row.size_bytes), contentType: row.content_type,
    };
  }

  /** Records a generated thumbnail; a concurrent request that made the same one first wins. */
  async putThumbnail(mediaId: string, thumbnail: ThumbnailRecord, now: number): Promise<void> {
    await this.db.insertInto('local_media_thumbnails').values({
      media_id: mediaId, width: thumbnail.width, height: thumbnail.height, method: thumbnail.method,
      sha256: thumbnail.sha256, size_bytes: thumbnail.sizeBytes, content_type: thumbnail.contentType, created_ts: now,
    }).onConflict((oc) => oc.columns(['media_id', 'width', 'height', 'method']).doNothing()).execute();
  }
}

function contentColumns(content: MediaContent) {
  return {
    sha256: content.sha256,
    size_bytes: content.sizeBytes,
    content_type: content.contentType ?? null,
    upload_name: content.uploadName ?? null,
  };
}
