import type { Kysely } from 'kysely';

/**
 * Adds what following a Nextcloud directory needs: `users.locked` (set while the Nextcloud
 * account is disabled), `users.group_admin` (a server admin through a Nextcloud admin group,
 * apart from the `is_admin` flag that the admin API sets), and `user_directory_state`, which keeps
 * per user and provider the last groups seen and the last avatar imported.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('group_admin', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema.createTable('user_directory_state')
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    // A JSON array of group ids; null until a sign-in or sync has read the groups.
    .addColumn('groups_json', 'text')
    .addColumn('avatar_etag', 'text')
    .addColumn('avatar_sha256', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('updated_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_directory_state_pk', ['provider_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_directory_state').execute();
  await db.schema.alterTable('users').dropColumn('group_admin').execute();
  await db.schema.alterTable('users').dropColumn('locked').execute();
}
