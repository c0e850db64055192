import type { Kysely } from 'kysely';

/**
 * Creates `pushers`: the HTTP pushers each user registered through `POST /pushers/set`, one per
 * (user, app_id, pushkey). `device_id` is the device whose session set the pusher, so deleting
 * that device deletes the pusher. `data_json` is the client's `data` object, `url` included.
 * The (app_id, pushkey) index serves the removal of other users' pushers when `append` is false.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('pushers')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('pushkey', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('app_display_name', 'text', (c) => c.notNull())
    .addColumn('device_display_name', 'text', (c) => c.notNull())
    .addColumn('profile_tag', 'text')
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('pushkey_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pushers_pk', ['user_id', 'app_id', 'pushkey'])
    .execute();
  await db.schema.createIndex('pushers_app_pushkey').on('pushers').columns(['app_id', 'pushkey']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pushers').execute();
}
