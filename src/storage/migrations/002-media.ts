import type { Kysely } from 'kysely';

/**
 * Creates the media repository tables. File bytes live on disk under their SHA-256, so identical
 * uploads share one file; these rows map media ids and thumbnail sizes to those hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('local_media')
    .addColumn('media_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    // Null until the content arrives: `/create` reserves an id that a later PUT fills.
    .addColumn('sha256', 'text')
    .addColumn('size_bytes', 'bigint')
    .addColumn('content_type', 'text')
    .addColumn('upload_name', 'text')
    .addColumn('uploaded_ts', 'bigint')
    .addColumn('unused_expires_ts', 'bigint')
    .execute();
  await db.schema.createIndex('local_media_user').on('local_media').columns(['user_id', 'created_ts']).execute();
  await db.schema.createIndex('local_media_sha256').on('local_media').column('sha256').execute();

  await db.schema.createTable('local_media_thumbnails')
    .addColumn('media_id', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('local_media_thumbnails_pk', ['media_id', 'width', 'height', 'method'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('local_media_thumbnails').execute();
  await db.schema.dropTable('local_media').execute();
}
